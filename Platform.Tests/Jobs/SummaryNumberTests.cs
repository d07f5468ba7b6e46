using System.Text.Json;
using Platform.Data;
using Platform.Data.Runs;
using Platform.Workers.Jobs;

namespace Platform.Tests.Jobs;

/// <summary>
/// The scores the worker reads from summary.json (a run's final score, ProcGen's level returns) carry no float32 noise:
/// the trainer's float32 means are stored as the shortest decimal of the float (issue #19, item 14).
/// </summary>
public class SummaryNumberTests
{
    [Theory]
    [InlineData(-0.2199999988079071, -0.22)]      // (double)-0.22f, as the issue saw it
    [InlineData(0.10000000149011612, 0.1)]        // (double)0.1f
    [InlineData(0.3333333432674408, 0.33333334)]  // (double)(1f / 3): the float's own shortest decimal, not 1/3
    [InlineData(8.5, 8.5)]                         // exact in both: unchanged
    [InlineData(-1.0, -1.0)]
    [InlineData(0.0, 0.0)]
    [InlineData(-0.22, -0.22)]                     // a double that is no float32 (a mean taken in double): kept
    [InlineData(0.123456789012345, 0.123456789012345)]
    [InlineData(1e300, 1e300)]                     // beyond float32's range: kept
    public void AFloat32BecomesItsShortestDecimalAndOtherValuesAreKept(double stored, double expected) =>
        Assert.Equal(expected, RunPlan.WithoutFloat32Noise(stored));

    [Fact]
    public void TheShortenedValueIsStillTheSameFloat32()
    {
        var rng = new Random(19);
        for (var i = 0; i < 10_000; i++)
        {
            var f = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 7)));
            var shortened = RunPlan.WithoutFloat32Noise(f);
            Assert.Equal(f, (float)shortened);
            Assert.True(shortened.ToString("R").Length <= ((double)f).ToString("R").Length, $"{f:R}: {shortened:R}");
        }
    }

    [Fact]
    public void SummaryNumbersAreReadWithoutTheNoise()
    {
        using var summary = JsonDocument.Parse($$"""
            {"{{RunFolderLayout.SummaryFinalEvalReturn}}": -0.2199999988079071, "{{RunFolderLayout.FinalReturnTestLevels}}": 5.25,
             "{{RunFolderLayout.SummaryFinalReturn}}": null}
            """);
        Assert.Equal(-0.22, Probe.Read(summary.RootElement, RunFolderLayout.SummaryFinalEvalReturn));
        Assert.Equal(5.25, Probe.Read(summary.RootElement, RunFolderLayout.FinalReturnTestLevels));
        Assert.Null(Probe.Read(summary.RootElement, RunFolderLayout.SummaryFinalReturn));
        Assert.Null(Probe.Read(summary.RootElement, RunFolderLayout.FinalReturnTrainLevels));
    }

    /// <summary>Reaches the plans' own summary reader.</summary>
    private sealed class Probe : RunPlan
    {
        public static double? Read(JsonElement summary, string key) => Number(summary, key);

        public override Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep) => throw new NotSupportedException();
    }
}
