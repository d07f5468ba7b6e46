namespace Platform.Web.Services;

/// <summary>
/// What an evaluate run's page says about its episodes' returns: how many, their mean with its standard error, the
/// smallest and largest, and a histogram. The standard error is the sample standard deviation over √n, so the mean's
/// uncertainty shrinks as episodes are added (none for a single episode).
/// </summary>
public sealed record EpisodeStatistics(int Count, double Mean, double? StandardError, double Min, double Max, IReadOnlyList<EpisodeStatistics.Bin> Histogram)
{
    /// <summary>Episodes whose return lies in [Low, High] (one value when Low = High).</summary>
    public sealed record Bin(double Low, double High, int Episodes);

    /// <summary>At most this many bars: returns that take few values (Catch's ±1) get one bar per value instead.</summary>
    public const int MaxBins = 12;

    public static EpisodeStatistics? Of(IReadOnlyCollection<double> returns)
    {
        if (returns.Count == 0) return null;
        int n = returns.Count;
        double mean = returns.Average(), min = returns.Min(), max = returns.Max();
        return new EpisodeStatistics(n, mean, CurveMath.StandardError(returns, mean), min, max, Bins(returns, min, max));
    }

    private static List<Bin> Bins(IReadOnlyCollection<double> returns, double min, double max)
    {
        var distinct = returns.Distinct().Order().ToList();
        if (distinct.Count <= MaxBins) return distinct.Select(v => new Bin(v, v, returns.Count(r => r == v))).ToList();
        double width = (max - min) / MaxBins;
        var counts = new int[MaxBins];
        // The largest return falls in the last bin, not one past it.
        foreach (var r in returns) counts[Math.Min(MaxBins - 1, (int)((r - min) / width))]++;
        return counts.Select((c, i) => new Bin(min + i * width, i == MaxBins - 1 ? max : min + (i + 1) * width, c)).ToList();
    }
}
