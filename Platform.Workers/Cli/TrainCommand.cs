using System.ComponentModel;
using Platform.Data.Runs;
using Platform.Workers.Agents;
using Platform.Workers.Environments;
using Platform.Workers.Learning;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>train</c>: runs the learner loop with a rule (disco103, actor-critic, ppo, or npz:PATH for any meta-network in the
/// Disco103 layout). Writes DIR/run.json, DIR/metrics.jsonl, DIR/checkpoints/, DIR/summary.json. SIGTERM or Ctrl+C:
/// checkpoint, exit 130.
/// </summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public const int InterruptedExitCode = 130;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")] [Description("Environment id, e.g. catch/8x8, minatar/breakout, procgen/maze.")]
        public string? Env { get; init; }
        [CommandOption("--rule <RULE>")] [Description("disco103 (default), actor-critic, ppo or npz:PATH (a meta-network in the Disco103 .npz layout).")]
        public string? Rule { get; init; }
        [CommandOption("--steps <N>")] [RunOptionHelp(RunOptionTables.Train, "steps")]
        public long? Steps { get; init; }
        [CommandOption("--seed <S>")] [RunOptionHelp(RunOptionTables.Train, "seed")] public long? Seed { get; init; }
        [CommandOption("--out <DIR>")] [Description("Run folder (required unless --resume).")]
        public string? Out { get; init; }
        [CommandOption("--resume <DIR>")] [Description("Continue the run in DIR from its latest checkpoint (--steps may raise the total).")]
        public string? Resume { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("cpu (default) or cuda.")]
        public string? Device { get; init; }
        [CommandOption("--lr <LR>")] [RunOptionHelp(RunOptionTables.Train, "lr")]
        public double? LearningRate { get; init; }
        [CommandOption("--entropy-cost <C>")] [RunOptionHelp(RunOptionTables.Train, "entropy-cost")]
        public double? EntropyCost { get; init; }
        [CommandOption("--rollout <T>")] [RunOptionHelp(RunOptionTables.Train, "rollout")] public int? Rollout { get; init; }
        [CommandOption("--segments <S>")] [RunOptionHelp(RunOptionTables.Train, "segments")] public string? Segments { get; init; }
        [CommandOption("--loss-mask <M>")] [RunOptionHelp(RunOptionTables.Train, "loss-mask")] public string? LossMask { get; init; }
        [CommandOption("--batch <B>")] [RunOptionHelp(RunOptionTables.Train, "batch")]
        public int? Batch { get; init; }
        [CommandOption("--replay-ratio <R>")] [RunOptionHelp(RunOptionTables.Train, "replay-ratio")]
        public int? ReplayRatio { get; init; }
        [CommandOption("--replay-capacity <N>")] [RunOptionHelp(RunOptionTables.Train, "replay-capacity")] public int? ReplayCapacity { get; init; }
        [CommandOption("--net <NET>")] [RunOptionHelp(RunOptionTables.Train, "net")]
        public string? Net { get; init; }
        [CommandOption("--log-every <K>")] [RunOptionHelp(RunOptionTables.Train, "log-every")]
        public int? LogEvery { get; init; }
        [CommandOption("--checkpoint-every <N>")] [RunOptionHelp(RunOptionTables.Train, "checkpoint-every")]
        public long? CheckpointEvery { get; init; }
        [CommandOption("--threads <N>")] [RunOptionHelp(RunOptionTables.Train, "threads")]
        public int? Threads { get; init; }
        [CommandOption("--train-levels <N>")] [RunOptionHelp(RunOptionTables.Train, "train-levels")]
        public int? TrainLevels { get; init; }
    }

    public static AgentNetworkConfig ParseNet(string net)
    {
        try { return AgentNetworkConfig.Named(net); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        ThreadsOption.Apply(TrainOptions.Threads, s.Threads);
        Trainer trainer;
        try
        {
            if (s.Resume is not null)
            {
                if (s.Out is not null || s.Env is not null || s.Rule is not null)
                    throw new CliUsageException("--resume takes the configuration from DIR/run.json: only --steps may be given with it");
                if (!Directory.Exists(s.Resume)) throw new CliUsageException($"--resume {s.Resume}: no such folder");
                if (s.Steps is { } more) TrainOptions.Steps.Require(more);
                trainer = Trainer.Resume(s.Resume, s.Steps);
            }
            else
            {
                if (string.IsNullOrEmpty(s.Env)) throw new CliUsageException("--env is required");
                if (!EnvironmentRegistry.Contains(s.Env)) throw new CliUsageException($"--env: unknown environment '{s.Env}' (see the envs verb)");
                if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
                var config = TrainConfig.FromOptions(s.Env, s.Rule, s.Steps, s.Seed, s.Device, s.Rollout, s.Segments, s.LossMask, s.Batch, s.ReplayRatio, s.ReplayCapacity,
                    s.LearningRate, s.EntropyCost, s.Net, s.LogEvery, s.CheckpointEvery, s.TrainLevels);
                try { config.Validate(); }
                catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
                if (s.Device is not null) DeviceOption.Parse(s.Device);
                trainer = Trainer.Create(config, s.Out);
            }
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }

        var c = trainer.Config;
        if (trainer.OutDir is not null) Provenance.Write(trainer.OutDir, trainer.Core.Device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu", c.Seed,
            s.Resume is null ? null : trainer.EnvSteps);
        Console.WriteLine($"train env={c.Env} rule={c.Rule} steps={c.Steps} seed={c.Seed} device={trainer.Core.Device} lr={trainer.LearningRate} " +
                          $"actors={trainer.ActorEnvironments} batch={c.BatchSize} rollout={c.RolloutLength} params={trainer.Core.Network.ParameterCount} out={trainer.OutDir}");
        var result = LoopRunner.Run<TrainProgress, TrainResult>(cancellationToken, "train", trainer.EnvSteps, c.Steps, trainer.Run, p => p.Step,
            (p, eta) => $"step={p.Step}/{p.TotalSteps} learner_steps={p.LearnerSteps} episodes={p.Episodes} return={p.RecentReturn:F3} steps_per_s={p.StepsPerSecond:F0} eta={eta:hh\\:mm\\:ss}",
            (p, eta) => $"steps {p.Step} · {p.StepsPerSecond:F0}/s · return {p.RecentReturn:F3} · learner {p.LearnerSteps} · eta {eta:hh\\:mm\\:ss}");
        Console.WriteLine($"{(result.Interrupted ? "interrupted" : "done")} steps={result.Steps} learner_steps={result.LearnerSteps} episodes={result.Episodes} final_return={result.FinalReturn:F4} " +
                          string.Join(" ", trainer.Core.Seconds.Select(kv => $"seconds_{kv.Key}={kv.Value:F2}")));
        return result.Interrupted ? InterruptedExitCode : 0;
    }
}
