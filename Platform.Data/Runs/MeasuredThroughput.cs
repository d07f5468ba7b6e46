namespace Platform.Data.Runs;

/// <summary>Environment steps per second of wall time a train run with the defaults makes (start-up included).</summary>
public sealed record ThroughputFigure(string Suite, string Rule, double StepsPerSecond);

/// <summary>
/// Train throughput with the defaults on the platform's reference machine, by suite and rule family: what the submit
/// form's time estimate falls back on for a queue where the team has no finished run of its own to estimate from.
/// Measured by <c>scripts/experiments/throughput.sh</c> and published in BENCHMARKS.md ("Train throughput with the
/// defaults"), which a test holds to these figures. CPU only: no GPU has been measured.
/// </summary>
public static class MeasuredThroughput
{
    public const string Machine = "the 2-core CI machine (AMD EPYC, torch's default threads, one run at a time)";

    public static readonly IReadOnlyList<ThroughputFigure> Cpu =
    [
        // scripts/experiments/throughput.sh 20000, 2026-12-07: catch/8x8, minatar/breakout, procgen/maze.
        new("catch", RuleCatalog.Disco103, 359), new("catch", RuleCatalog.ActorCritic, 1376), new("catch", RuleCatalog.Ppo, 5232),
        // minatar × disco103 re-measured the same day after its defaults became the measured MinAtar regime.
        new("minatar", RuleCatalog.Disco103, 236), new("minatar", RuleCatalog.ActorCritic, 531), new("minatar", RuleCatalog.Ppo, 3862),
        new("procgen", RuleCatalog.Disco103, 66), new("procgen", RuleCatalog.ActorCritic, 322), new("procgen", RuleCatalog.Ppo, 2096),
    ];

    /// <summary>The figure for a run on <paramref name="suite"/> with <paramref name="rule"/> (any reference) on the cpu queue.</summary>
    public static ThroughputFigure? ForCpu(string suite, string rule) =>
        Cpu.FirstOrDefault(f => f.Suite == suite && f.Rule == RuleCatalog.DefaultsFamily(rule));
}
