namespace Platform.Api.Leaderboards;

/// <summary>
/// The aggregate statistics of rliable (Agarwal et al., 2021): the interquartile mean and a percentile
/// confidence interval from a stratified bootstrap — runs resampled with replacement within each task
/// (environment), so every resample keeps every task with its own number of runs.
/// </summary>
public static class ScoreStatistics
{
    /// <summary>
    /// Mean of the middle 50%: sorted, floor(n/4) values cut from each end (scipy.stats.trim_mean(x, 0.25),
    /// which rliable uses). NaN for no values.
    /// </summary>
    public static double InterquartileMean(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n == 0) return double.NaN;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var cut = n / 4;
        double sum = 0;
        for (var i = cut; i < n - cut; i++) sum += sorted[i];
        return sum / (n - 2 * cut);
    }

    /// <summary>IQM over all scores of all strata together.</summary>
    public static double InterquartileMean(IReadOnlyList<IReadOnlyList<double>> strata) =>
        InterquartileMean(strata.SelectMany(s => s).ToArray());

    /// <summary>
    /// Percentile bootstrap CI of the IQM over all strata, resampling within each stratum. Deterministic for a
    /// given <paramref name="seed"/>. Empty strata are ignored; (NaN, NaN) when there are no scores.
    /// </summary>
    public static (double Low, double High) StratifiedBootstrapCi(IReadOnlyList<IReadOnlyList<double>> strata,
        int resamples = 2000, double confidence = 0.95, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence));
        var groups = strata.Where(s => s.Count > 0).Select(s => s.ToArray()).ToArray();
        var total = groups.Sum(g => g.Length);
        if (total == 0) return (double.NaN, double.NaN);

        var rng = new Random(seed);
        var sample = new double[total];
        var estimates = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            var k = 0;
            foreach (var g in groups)
                for (var i = 0; i < g.Length; i++) sample[k++] = g[rng.Next(g.Length)];
            estimates[b] = InterquartileMean(sample);
        }
        Array.Sort(estimates);
        var alpha = (1 - confidence) / 2;
        return (Percentile(estimates, alpha), Percentile(estimates, 1 - alpha));
    }

    /// <summary>Linear interpolation between order statistics (numpy's default percentile) of sorted values.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
