using Platform.Data.Runs;
using Platform.Workers.Learning;

namespace Platform.Tests.Learning;

/// <summary>
/// How many metric points a short run logs (issue #19, item 3): without --log-every the interval adapts to the budget,
/// so a PPO run of few iterations draws a curve; an explicit interval is kept; the chosen one is in run.json for --resume.
/// </summary>
[Collection("Learning")]
public sealed class MetricsLoggingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "learn-logging-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    // PPO on Catch with 4 actors and rollouts of 8 environment steps (7 transitions and the step past the end under the
    // reference's segmentation): 32 environment steps per iteration, so a budget of N iterations is quick on a CPU.
    private const long StepsPerIteration = 4 * 8;

    private static TrainConfig Ppo(long iterations, int? logEvery) => TrainConfig.FromOptions("catch/8x8", RuleCatalog.Ppo,
        steps: iterations * StepsPerIteration, seed: 3, batch: 4, rollout: 8, net: "small", logEvery: logEvery);

    /// <summary>The training points of metrics.jsonl (the final evaluation's line holds no episode return).</summary>
    private static int LoggedPoints(string dir) =>
        File.ReadLines(Path.Combine(dir, RunFolderLayout.MetricsFile)).Count(l => l.Contains($"\"{RunFolderLayout.MetricEpisodeReturn}\"", StringComparison.Ordinal));

    private (int Points, int LogEvery) Train(TrainConfig config, string name)
    {
        var dir = Path.Combine(_root, name);
        var trainer = Trainer.Create(config, dir);
        trainer.Run();
        // The budget is whole iterations of StepsPerIteration: the run ends on it exactly.
        Assert.Equal(config.Steps, trainer.EnvSteps);
        return (LoggedPoints(dir), Trainer.ReadConfig(dir).LogEvery!.Value);
    }

    [Fact]
    public void A_short_PPO_run_logs_at_least_the_minimum_number_of_points()
    {
        // 120 iterations: the long-run interval (10) would give 12 points; the budget's gives one every 2 iterations.
        var (points, logEvery) = Train(Ppo(120, null), "adaptive");
        Assert.Equal(TrainOptions.DefaultLogEvery(120 * StepsPerIteration, StepsPerIteration), logEvery);
        Assert.True(logEvery < TrainOptions.MaxDefaultLogEvery);
        Assert.True(points >= TrainOptions.MinLoggedPoints, $"{points} points");
    }

    [Fact]
    public void A_run_of_fewer_iterations_than_the_minimum_logs_every_iteration()
    {
        var (points, logEvery) = Train(Ppo(20, null), "every");
        Assert.Equal(1, logEvery);
        Assert.Equal(20, points);
    }

    [Fact]
    public void An_explicit_interval_is_kept()
    {
        // Every 10th iteration of 120, and the last.
        var (points, logEvery) = Train(Ppo(120, 10), "explicit");
        Assert.Equal(10, logEvery);
        Assert.Equal(12, points);
    }

    [Fact]
    public void A_long_budget_keeps_the_long_run_interval()
    {
        Assert.Equal(TrainOptions.MaxDefaultLogEvery, TrainOptions.DefaultLogEvery(20_000_000, 29 * 64));
        // A 20,000-step MinAtar PPO run (64 actors × 29 steps: 11 iterations) logs on every one of them.
        Assert.Equal(1, TrainOptions.DefaultLogEvery(20_000, 29 * 64));
    }
}
