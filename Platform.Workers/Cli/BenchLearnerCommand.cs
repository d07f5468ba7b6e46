using System.ComponentModel;
using System.Diagnostics;
using Platform.Workers.Learning;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>bench-learner</c>: throughput of the learner loop (in-process, no output folder): environment steps/s and learner
/// updates/s over a measured window after the replay buffer holds a batch, with the share of time in the actor
/// (environment + policy forward), network forward on the batch, the rule (targets) and backward + optimiser.
/// </summary>
public sealed class BenchLearnerCommand : Command<BenchLearnerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")] public string Env { get; init; } = "minatar/breakout";
        [CommandOption("--rule <RULE>")] public string Rule { get; init; } = "disco103";
        [CommandOption("--batch <B>")] [Description("Trajectories per learner step (default 64, the reference harness's).")]
        public int Batch { get; init; } = 64;
        [CommandOption("--replay-ratio <R>")] [Description("Replay ratio (default min(32, batch), the reference harness's).")]
        public int? ReplayRatio { get; init; }
        [CommandOption("--net <NET>")] public string Net { get; init; } = "small-conv";
        [CommandOption("--iterations <N>")] [Description("Measured learner iterations (default 20).")]
        public int Iterations { get; init; } = 20;
        [CommandOption("--device <DEVICE>")] public string Device { get; init; } = "cpu";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Iterations < 1 || s.Batch < 2) throw new CliUsageException("--iterations must be ≥ 1 and --batch ≥ 2");
        TrainConfig config;
        try
        {
            if (!Environments.EnvironmentRegistry.Contains(s.Env)) throw new CliUsageException($"--env: unknown environment '{s.Env}'");
            // The train defaults (segmentation, loss mask) with the reference harness's batch and replay ratio unless given.
            config = TrainConfig.FromOptions(s.Env, s.Rule, steps: Platform.Data.Runs.TrainOptions.MaxSteps, device: s.Device, batch: s.Batch,
                replayRatio: s.ReplayRatio ?? Platform.Data.Runs.TrainOptions.DefaultReplayRatio(s.Batch), replayCapacity: Math.Max(1024, s.Batch), net: s.Net);
            config.Validate();
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        var trainer = Trainer.Create(config, null);
        while (trainer.LearnerSteps < 2) trainer.Iterate();   // fill the buffer, warm up
        foreach (var k in trainer.Core.Seconds.Keys.ToList()) trainer.Core.Seconds[k] = 0;
        long steps0 = trainer.EnvSteps, learner0 = trainer.LearnerSteps;
        var sw = Stopwatch.StartNew();
        // Logs as training computes them: on every LogEvery-th iteration.
        for (int i = 0; i < s.Iterations; i++) trainer.Iterate(withLogs: (i + 1) % trainer.LogEvery == 0);
        double total = sw.Elapsed.TotalSeconds;
        var sec = trainer.Core.Seconds;
        Console.WriteLine($"env={s.Env} rule={s.Rule} device={trainer.Core.Device} threads={TorchSharp.torch.get_num_threads()} batch={s.Batch} replay_ratio={config.ReplayRatio} actors={trainer.ActorEnvironments} rollout={config.RolloutLength} segments={config.Segments} net={s.Net} params={trainer.Core.Network.ParameterCount}");
        Console.WriteLine($"env_steps_per_s={(trainer.EnvSteps - steps0) / total:F1} learner_updates_per_s={(trainer.LearnerSteps - learner0) / total:F2} seconds={total:F1}");
        Console.WriteLine(string.Join(" ", sec.Select(kv => $"share_{kv.Key}={kv.Value / total:P0}")));
        return 0;
    }
}
