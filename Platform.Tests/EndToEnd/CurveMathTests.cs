namespace Platform.Tests.EndToEnd;

/// <summary>
/// The comparison page's curve math (Platform.Web.dll of this build, by reflection, as <see cref="ShortIdsTests"/>):
/// smoothing, mean ± standard error across runs, and grouping (issue #19, Compare).
/// </summary>
public class CurveMathTests
{
    private static readonly Type CurveMath = WebAssemblyOfThisBuild.Type("Platform.Web.Services.CurveMath");

    private static List<(long Step, double Value)> Smooth(IReadOnlyList<(long Step, double Value)> points, double weight) =>
        (List<(long Step, double Value)>)CurveMath.GetMethod("Smooth")!.Invoke(null, [points, weight])!;

    private static (double?[] Mean, double?[] Low, double?[] High) MeanAndStandardError(IReadOnlyList<double?[]> runs, int length) =>
        ((double?[], double?[], double?[]))CurveMath.GetMethod("MeanAndStandardError")!.Invoke(null, [runs, length])!;

    private static readonly List<(long Step, double Value)> Step = [(0, 0), (10, 0), (20, 10), (30, 10), (40, 10)];

    [Fact]
    public void WeightZeroLeavesTheCurveAsItIs()
    {
        Assert.Equal(Step, Smooth(Step, 0));
    }

    [Fact]
    public void SmoothingFollowsAJumpGraduallyAndKeepsTheSteps()
    {
        var s = Smooth(Step, 0.5);
        Assert.Equal(Step.Select(p => p.Step), s.Select(p => p.Step));
        Assert.Equal(0, s[1].Value, 12);
        // After the jump to 10 the average climbs towards it without reaching it: 0.5 weight, debiased by 1 − 0.5ⁿ.
        Assert.Equal(10 * 0.5 / (1 - Math.Pow(0.5, 3)), s[2].Value, 12);
        Assert.True(s[2].Value < s[3].Value && s[3].Value < s[4].Value && s[4].Value < 10);
    }

    [Fact]
    public void ADebiasedAverageDoesNotPullTheFirstPointsTowardsZero()
    {
        List<(long, double)> flat = [(0, 5), (1, 5), (2, 5)];
        Assert.All(Smooth(flat, 0.9), p => Assert.Equal(5, p.Value, 12));
    }

    [Fact]
    public void TheWeightIsClampedToItsRange()
    {
        var max = (double)CurveMath.GetField("MaxSmoothing")!.GetValue(null)!;
        Assert.Equal(Smooth(Step, max), Smooth(Step, 5));
        Assert.Equal(Step, Smooth(Step, -1));
        Assert.Equal(Step, Smooth(Step, double.NaN));
    }

    [Fact]
    public void TheBandIsOneStandardErrorOfTheMean()
    {
        // Three runs at step 0 (1, 2, 3: sd 1, se 1/√3), one at step 1, none at step 2.
        var (mean, low, high) = MeanAndStandardError([[1, 4, null], [2, null, null], [3, null, null]], 3);
        Assert.Equal(2, mean[0]!.Value, 12);
        Assert.Equal(2 - 1 / Math.Sqrt(3), low[0]!.Value, 12);
        Assert.Equal(2 + 1 / Math.Sqrt(3), high[0]!.Value, 12);
        Assert.Equal([4.0, 4.0, 4.0], new[] { mean[1], low[1], high[1] }.Select(v => v!.Value));
        Assert.Null(mean[2]);
    }

    [Fact]
    public void RunsThatShareAKeyAreAveragedAfterSmoothingAndGroupsKeepTheirOrder()
    {
        IReadOnlyList<(long Step, double Value)> Line(double a, double b) => [(0, a), (100, b)];
        var runs = new List<(string Key, IReadOnlyList<(long Step, double Value)> Points)>
        {
            ("ppo", Line(0, 2)), ("disco103", Line(1, 1)), ("ppo", Line(2, 4)),
        };
        dynamic result = CurveMath.GetMethod("GroupCurves")!.Invoke(null, [runs, 0.0, 60])!;
        var grid = (long[])result.Item1.Steps;
        Assert.Equal([0L, 100L], grid);
        var curves = ((System.Collections.IEnumerable)result.Item2).Cast<dynamic>().ToList();
        Assert.Equal(["ppo", "disco103"], curves.Select(c => (string)c.Key));
        Assert.Equal([2, 1], curves.Select(c => (int)c.Runs));
        Assert.Equal([1.0, 3.0], ((double?[])curves[0].Mean).Select(v => v!.Value));
        Assert.Equal([0.0, 2.0], ((double?[])curves[0].Low).Select(v => v!.Value)); // se of {0, 2} and {2, 4}: 1
        Assert.Equal([1.0, 1.0], ((double?[])curves[1].High).Select(v => v!.Value));

        // Smoothing applies to every run before the mean: the ppo mean's second point moves off 3.
        dynamic smoothed = CurveMath.GetMethod("GroupCurves")!.Invoke(null, [runs, 0.5, 60])!;
        var ppo = ((System.Collections.IEnumerable)smoothed.Item2).Cast<dynamic>().First();
        var expected = (Smooth(Line(0, 2), 0.5)[1].Value + Smooth(Line(2, 4), 0.5)[1].Value) / 2;
        Assert.Equal(expected, ((double?[])ppo.Mean)[1]!.Value, 12);
        Assert.NotEqual(3.0, expected, 6);
    }
}
