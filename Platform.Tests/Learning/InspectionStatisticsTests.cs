using Platform.Workers.Inspection;

namespace Platform.Tests.Learning;

/// <summary>The inspector's statistics on data whose answers are known.</summary>
public class InspectionStatisticsTests
{
    [Fact]
    public void CorrelationAndSignAgreementOfKnownPairs()
    {
        double[] x = [1, 2, 3, 4, -5];
        Assert.Equal(1.0, InspectionStatistics.Pearson(x, x.Select(v => 3 * v + 1).ToArray())!.Value, 12);
        Assert.Equal(-1.0, InspectionStatistics.Pearson(x, x.Select(v => -v).ToArray())!.Value, 12);
        Assert.Null(InspectionStatistics.Pearson(x, [2, 2, 2, 2, 2]));
        Assert.Equal(0.75, InspectionStatistics.SignAgreement([1, -1, 2, 3, 0], [1, -1, 2, -3, 5]));
    }

    [Fact]
    public void ThePrincipalComponentIsTheDirectionOfMostVarianceAndAProbeRecoversALinearTarget()
    {
        var rng = new Random(5);
        // Points along (3, 4)/5 with spread 10, plus small noise in every direction of a 6-dimensional space.
        var latent = Enumerable.Range(0, 400).Select(_ => 10 * (rng.NextDouble() - 0.5)).ToArray();
        var rows = latent.Select(u => new[] { 0.6 * u, 0.8 * u, 0, 0, 0, 0 }.Select(v => (float)(v + 0.01 * (rng.NextDouble() - 0.5))).ToArray()).ToList();
        var scores = InspectionStatistics.PrincipalScores(rows, 2);
        var first = scores.Select(s => s[0]).ToArray();
        Assert.True(Math.Abs(InspectionStatistics.Pearson(first, latent)!.Value) > 0.999);

        var held = Enumerable.Range(0, 400).Select(i => i % 5 == 4).ToArray();
        var target = latent.Select(u => 2 * u + 1).ToArray();
        Assert.True(InspectionStatistics.HeldOutR2(scores, target, held) > 0.999);
        var noise = latent.Select(_ => rng.NextDouble()).ToArray();
        Assert.True(InspectionStatistics.HeldOutR2(scores, noise, held) < 0.05);
    }
}
