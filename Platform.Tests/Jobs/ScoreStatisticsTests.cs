using Platform.Api.Leaderboards;

namespace Platform.Tests.Jobs;

public class ScoreStatisticsTests
{
    [Fact]
    public void IqmOfKnownArrays()
    {
        // n = 8: two cut from each end -> mean of 3,4,5,6.
        Assert.Equal(4.5, ScoreStatistics.InterquartileMean([8, 1, 7, 2, 6, 3, 5, 4]));
        // n = 4: one cut from each end.
        Assert.Equal(2.5, ScoreStatistics.InterquartileMean([1, 2, 3, 100]));
        // n < 4: nothing cut (scipy trim_mean with 0.25).
        Assert.Equal(2.0, ScoreStatistics.InterquartileMean([1, 2, 3]));
        Assert.Equal(7.0, ScoreStatistics.InterquartileMean([7]));
        // n = 5: one cut from each end.
        Assert.Equal(3.0, ScoreStatistics.InterquartileMean([1, 2, 3, 4, 1000]));
        Assert.True(double.IsNaN(ScoreStatistics.InterquartileMean(Array.Empty<double>())));
    }

    [Fact]
    public void IqmIsRobustToOutliers()
    {
        double[] values = [.. Enumerable.Range(0, 20).Select(i => (double)i), 1e9, -1e9];
        Assert.InRange(ScoreStatistics.InterquartileMean(values), 5, 15);
    }

    [Fact]
    public void CiContainsThePointEstimateAndIsReproducible()
    {
        var rng = new Random(3);
        IReadOnlyList<IReadOnlyList<double>> strata = Enumerable.Range(0, 5)
            .Select(e => (IReadOnlyList<double>)Enumerable.Range(0, 10).Select(_ => e + rng.NextDouble()).ToArray()).ToList();
        var iqm = ScoreStatistics.InterquartileMean(strata);
        var (lo, hi) = ScoreStatistics.StratifiedBootstrapCi(strata, 2000, 0.95, seed: 7);
        Assert.True(lo <= iqm && iqm <= hi, $"{lo} <= {iqm} <= {hi}");
        Assert.True(hi - lo > 0);
        Assert.Equal((lo, hi), ScoreStatistics.StratifiedBootstrapCi(strata, 2000, 0.95, seed: 7));
        var (lo90, hi90) = ScoreStatistics.StratifiedBootstrapCi(strata, 2000, 0.90, seed: 7);
        Assert.True(lo90 >= lo && hi90 <= hi);
    }

    [Fact]
    public void ResamplingIsWithinStrata()
    {
        // Each environment's seeds all score the same, so resampling within environments can never change the
        // sample: the CI collapses to the point. An unstratified bootstrap would mix environments and spread it.
        IReadOnlyList<IReadOnlyList<double>> strata = [new double[] { 0, 0, 0 }, new double[] { 1, 1, 1 }, new double[] { 2, 2, 2 }, new double[] { 10, 10, 10 }];
        var iqm = ScoreStatistics.InterquartileMean(strata);
        Assert.Equal((iqm, iqm), ScoreStatistics.StratifiedBootstrapCi(strata, 500, 0.95, seed: 1));
    }

    [Fact]
    public void NoScoresGiveNaN()
    {
        var (lo, hi) = ScoreStatistics.StratifiedBootstrapCi([Array.Empty<double>()]);
        Assert.True(double.IsNaN(lo) && double.IsNaN(hi));
    }

    [Fact]
    public void PercentileInterpolatesLikeNumpy()
    {
        double[] sorted = [1, 2, 3, 4];
        Assert.Equal(1.075, ScoreStatistics.Percentile(sorted, 0.025), 12);
        Assert.Equal(3.925, ScoreStatistics.Percentile(sorted, 0.975), 12);
    }

    [Theory]
    [InlineData("catch/5x5", -0.6)]
    [InlineData("catch/8x8", -0.75)]
    public void CatchRandomScoreIsExact(string env, double expected) =>
        Assert.Equal(expected, LeaderboardService.CatchRandomScore(env)!.Value, 12);
}
