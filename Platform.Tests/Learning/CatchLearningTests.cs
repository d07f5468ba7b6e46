using System.Diagnostics;
using Platform.Workers.Learning;
using Xunit.Abstractions;

namespace Platform.Tests.Learning;

/// <summary>
/// Learning checks on Catch 8×8, in-process, CPU: each rule trained from the train defaults alone (env, rule, seed;
/// the option table's Catch defaults, <see cref="TrainConfig.FromOptions"/>), as a new user's first run would be.
/// Seed 7 was fixed before any run with these defaults (it is the seed of the issue that found the first run not
/// learning), not chosen from results. Budgets are the default step budget, so the result does not depend on machine
/// speed; each run finishes in under 4 minutes on one core.
/// </summary>
[Collection("Learning")]
public sealed class CatchLearningTests(ITestOutputHelper output)
{
    private const string Env = "catch/8x8";
    private const long Seed = 7;

    private double TrainFromDefaults(string rule)
    {
        var config = TrainConfig.FromOptions(Env, rule, seed: Seed);
        Assert.Equal(Platform.Data.Runs.TrainOptions.Steps.LongDefaultFor("catch", rule), config.Steps);
        var sw = Stopwatch.StartNew();
        TorchSharp.torch.set_num_threads(1);
        var trainer = Trainer.Create(config, null);
        var result = trainer.Run();
        var last = trainer.EpisodeReturns.TakeLast(500).ToList();
        double mean = last.Average();
        output.WriteLine($"{config.Rule}: lr {trainer.LearningRate}, batch {config.BatchSize}, {result.Steps} env steps, {result.LearnerSteps} learner steps, " +
                         $"{result.Episodes} episodes, mean return of the last 500 = {mean:F3}, {sw.Elapsed.TotalSeconds:F0} s; " +
                         string.Join(" ", trainer.Core.Seconds.Select(kv => $"{kv.Key}={kv.Value:F1}s")));
        Assert.Equal(500, last.Count);
        return mean;
    }

    [Fact]
    [Trait("Category", "Learning")]
    public void Disco103_learns_catch_from_the_defaults()
    {
        var mean = TrainFromDefaults("disco103");
        Assert.True(mean >= 0.8, $"mean return over the last 500 episodes {mean:F3} < 0.8");
    }

    [Fact]
    [Trait("Category", "Learning")]
    public void ActorCritic_learns_catch_from_the_defaults()
    {
        var mean = TrainFromDefaults("actor-critic");
        Assert.True(mean >= 0.8, $"mean return over the last 500 episodes {mean:F3} < 0.8");
    }

    [Fact]
    [Trait("Category", "Learning")]
    public void Ppo_learns_catch_from_the_defaults()
    {
        var mean = TrainFromDefaults("ppo");
        // Random play on Catch 8×8 scores about −0.75; PPO is the least stable of the three at the end of its budget
        // (docs/LEARNING.md), so it is held to clearly above random.
        Assert.True(mean >= 0.5, $"mean return over the last 500 episodes {mean:F3} < 0.5");
    }
}

/// <summary>The learning runs share the CPU badly: they run one at a time, on one torch thread each.</summary>
[CollectionDefinition("Learning", DisableParallelization = true)]
public sealed class LearningCollection;
