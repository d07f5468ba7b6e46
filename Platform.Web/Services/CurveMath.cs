namespace Platform.Web.Services;

/// <summary>Puts metric series onto a shared step grid for the line charts (category x axis), and aggregates seeds.</summary>
public static class CurveMath
{
    public sealed record Grid(long[] Steps, string[] Labels);

    /// <summary>Up to <paramref name="n"/> evenly spaced steps from the smallest to the largest step seen.</summary>
    public static Grid MakeGrid(IEnumerable<IReadOnlyList<(long Step, double Value)>> series, int n = 60)
    {
        var all = series.Where(s => s.Count > 0).ToList();
        if (all.Count == 0) return new Grid([], []);
        var lo = all.Min(s => s[0].Step);
        var hi = all.Max(s => s[^1].Step);
        var distinct = all.SelectMany(s => s.Select(p => p.Step)).Distinct().Order().ToArray();
        long[] steps = distinct.Length <= n
            ? distinct
            : Enumerable.Range(0, n).Select(i => lo + (long)Math.Round((hi - lo) * (double)i / (n - 1))).Distinct().ToArray();
        var every = Math.Max(1, steps.Length / 8);
        var labels = steps.Select((s, i) => i % every == 0 || i == steps.Length - 1 ? FormatSteps(s) : "").ToArray();
        return new Grid(steps, labels);
    }

    /// <summary>Linear interpolation at each grid step; null outside the series' range.</summary>
    public static double?[] Resample(IReadOnlyList<(long Step, double Value)> s, long[] grid)
    {
        var result = new double?[grid.Length];
        if (s.Count == 0) return result;
        var j = 0;
        for (var i = 0; i < grid.Length; i++)
        {
            var x = grid[i];
            if (x < s[0].Step || x > s[^1].Step) continue;
            while (j < s.Count - 1 && s[j + 1].Step < x) j++;
            if (s[j].Step == x || j == s.Count - 1) { result[i] = s[j].Value; continue; }
            var (x0, y0) = s[j];
            var (x1, y1) = s[j + 1];
            result[i] = x1 == x0 ? y1 : y0 + (y1 - y0) * (x - x0) / (double)(x1 - x0);
        }
        return result;
    }

    /// <summary>Mean and ±1 standard deviation across seeds at each grid step (where at least one seed has a value).</summary>
    public static (double?[] Mean, double?[] Low, double?[] High) MeanAndSpread(IReadOnlyList<double?[]> seeds, int length)
    {
        var mean = new double?[length];
        var low = new double?[length];
        var high = new double?[length];
        for (var i = 0; i < length; i++)
        {
            var v = seeds.Where(s => s[i] is not null).Select(s => s[i]!.Value).ToArray();
            if (v.Length == 0) continue;
            var m = v.Average();
            var sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)) : 0;
            mean[i] = m; low[i] = m - sd; high[i] = m + sd;
        }
        return (mean, low, high);
    }

    public static string FormatSteps(long s) => s switch
    {
        >= 1_000_000_000 => $"{s / 1e9:0.#}G",
        >= 1_000_000 => $"{s / 1e6:0.#}M",
        >= 1_000 => $"{s / 1e3:0.#}k",
        _ => s.ToString(),
    };
}
