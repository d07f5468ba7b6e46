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

    /// <summary>
    /// Mean and ± one standard error of the mean (sample standard deviation / √n) across runs at each grid step, where at
    /// least one run has a value; with one run there the band collapses onto the mean. The standard error, not the
    /// standard deviation: the band says how well the mean is known, which is what a comparison of rules asks.
    /// </summary>
    public static (double?[] Mean, double?[] Low, double?[] High) MeanAndStandardError(IReadOnlyList<double?[]> runs, int length)
    {
        var mean = new double?[length];
        var low = new double?[length];
        var high = new double?[length];
        for (var i = 0; i < length; i++)
        {
            var v = runs.Where(s => s[i] is not null).Select(s => s[i]!.Value).ToArray();
            if (v.Length == 0) continue;
            var m = v.Average();
            var se = StandardError(v, m) ?? 0;
            mean[i] = m; low[i] = m - se; high[i] = m + se;
        }
        return (mean, low, high);
    }

    /// <summary>The standard error of the mean <paramref name="mean"/> of <paramref name="values"/>: sample standard deviation / √n; null for fewer than two.</summary>
    public static double? StandardError(IReadOnlyCollection<double> values, double mean) =>
        values.Count > 1 ? Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1) / values.Count) : null;

    /// <summary>The largest smoothing weight: at 1 the average would never move from the first point.</summary>
    public const double MaxSmoothing = 0.99;

    /// <summary>
    /// An exponential moving average over the points in step order, debiased as TensorBoard's smoothing is (the average
    /// starts at zero and is divided by 1 − weightⁿ), so the first points are not pulled towards zero. Weight 0 returns
    /// the points unchanged; larger weights smooth more; the weight is clamped to [0, <see cref="MaxSmoothing"/>].
    /// Steps are kept: smoothing happens before the series are resampled onto the chart's grid.
    /// </summary>
    public static List<(long Step, double Value)> Smooth(IReadOnlyList<(long Step, double Value)> points, double weight)
    {
        var w = double.IsFinite(weight) ? Math.Clamp(weight, 0, MaxSmoothing) : 0;
        var result = new List<(long, double)>(points.Count);
        double average = 0, debias = 1;
        foreach (var (step, value) in points)
        {
            average = average * w + (1 - w) * value;
            debias *= w;
            result.Add((step, average / (1 - debias)));
        }
        return result;
    }

    /// <summary>A group's curve on the grid: the mean of its runs and the band of ± one standard error around it.</summary>
    public sealed record GroupCurve(string Key, int Runs, double?[] Mean, double?[] Low, double?[] High);

    /// <summary>
    /// The curves of a comparison: every run smoothed with <paramref name="smoothing"/> (<see cref="Smooth"/>), put on one
    /// grid of up to <paramref name="n"/> steps, and the runs that share a key averaged
    /// (<see cref="MeanAndStandardError"/>); groups in the order their first run comes. A run with a key of its own is
    /// its own curve.
    /// </summary>
    public static (Grid Grid, List<GroupCurve> Curves) GroupCurves(
        IReadOnlyList<(string Key, IReadOnlyList<(long Step, double Value)> Points)> runs, double smoothing, int n = 60)
    {
        var smoothed = runs.Select(r => (r.Key, Points: (IReadOnlyList<(long, double)>)Smooth(r.Points, smoothing))).ToList();
        var grid = MakeGrid(smoothed.Select(r => r.Points), n);
        var curves = smoothed.GroupBy(r => r.Key).Select(g =>
        {
            var (mean, low, high) = MeanAndStandardError(g.Select(r => Resample(r.Points, grid.Steps)).ToList(), grid.Steps.Length);
            return new GroupCurve(g.Key, g.Count(), mean, low, high);
        }).ToList();
        return (grid, curves);
    }

    /// <summary>
    /// A steps/s series without its warm-up: the first point (process start, JIT compilation) and the points logged
    /// before the first learner step (a replay rule's actors filling the buffer run many times faster than training).
    /// Either would set the y range and flatten the rest of the curve. <paramref name="learnerSteps"/> is the run's
    /// learner_steps series (empty for runs that log none: then only the first point is left out). A series of two
    /// points or fewer is kept whole, as is one whose points are all warm-up.
    /// </summary>
    public static (IReadOnlyList<(long Step, double Value)> Points, int LeftOut) WithoutWarmUp(
        IReadOnlyList<(long Step, double Value)> rate, IReadOnlyList<(long Step, double Value)> learnerSteps)
    {
        if (rate.Count <= 2) return (rate, 0);
        var learning = learnerSteps.ToDictionary(p => p.Step, p => p.Value);
        var kept = rate.Skip(1).Where(p => !learning.TryGetValue(p.Step, out var n) || n > 0).ToList();
        return kept.Count == 0 ? (rate, 0) : (kept, rate.Count - kept.Count);
    }

    /// <summary>
    /// A y axis that fits the data: a 1-2-5 tick spacing giving about <paramref name="intervals"/> intervals over the
    /// data's range. MudBlazor's line chart only takes whole tick spacings (≥ 1) and rounds its range out to
    /// multiples of it, so spacings below 1 are reached by scaling the values by <see cref="YAxis.Scale"/> (1000 or
    /// 1000000: .NET's "0,." number formats divide by exactly that, so tooltips can show the true value).
    /// </summary>
    public sealed record YAxis(int Ticks, double Scale, double Step, double? SuggestedMax = null)
    {
        public string Label(double scaled) => (scaled / Scale).ToString(Step >= 1 ? "0.##" : "0.######", System.Globalization.CultureInfo.InvariantCulture);
        public string TooltipFormat => Scale switch { 1e6 => "0,,.########", 1e3 => "0,.#####", _ => "0.####" };
    }

    public static YAxis FitYAxis(IEnumerable<double?> values, int intervals = 5)
    {
        var v = values.Where(x => x is { } d && double.IsFinite(d)).Select(x => x!.Value).ToList();
        if (v.Count == 0) return new YAxis(20, 1, 20);
        double lo = v.Min(), hi = v.Max();
        var span = hi - lo;
        var flat = span <= Math.Max(Math.Abs(hi), Math.Abs(lo)) * 1e-9;
        if (flat) span = Math.Max(Math.Abs(hi) * 0.2, 1e-3); // a band around the value
        var raw = span / intervals;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * (1 - 1e-9));
        step = Math.Max(step, 1e-6);
        var scale = step >= 1 ? 1 : step >= 1e-3 ? 1e3 : 1e6;
        var ticks = (int)Math.Clamp(Math.Round(step * scale), 1, int.MaxValue);
        // A flat series would sit on a single grid line: ask for one interval above it (scaled units).
        return new YAxis(ticks, scale, ticks / scale, flat ? hi * scale + ticks : null);
    }

    /// <summary>
    /// The step to show beside a total: a learner steps its environments in batches, so a run may stop a little past its
    /// budget (20,010 of 20,000), which is shown as the total (the API's progress is clamped the same way).
    /// </summary>
    public static long ShownStep(long current, long total) => total > 0 ? Math.Clamp(current, 0, total) : current;

    public static string FormatSteps(long s) => s switch
    {
        >= 1_000_000_000 => $"{s / 1e9:0.#}G",
        >= 1_000_000 => $"{s / 1e6:0.#}M",
        >= 1_000 => $"{s / 1e3:0.#}k",
        _ => s.ToString(),
    };
}
