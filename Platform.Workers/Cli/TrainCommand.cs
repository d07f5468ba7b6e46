using System.ComponentModel;
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
        [CommandOption("--rule <RULE>")] [Description("disco103 (default), actor-critic, ppo or npz:PATH.")]
        public string? Rule { get; init; }
        [CommandOption("--steps <N>")] [Description("Environment steps in total (default 100000).")]
        public long? Steps { get; init; }
        [CommandOption("--seed <S>")] public long? Seed { get; init; }
        [CommandOption("--out <DIR>")] [Description("Run folder (required unless --resume).")]
        public string? Out { get; init; }
        [CommandOption("--resume <DIR>")] [Description("Continue the run in DIR from its latest checkpoint (--steps may raise the total).")]
        public string? Resume { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("cpu (default) or cuda.")]
        public string? Device { get; init; }
        [CommandOption("--lr <LR>")] [Description("Learning rate (default: the rule's published one).")]
        public double? LearningRate { get; init; }
        [CommandOption("--entropy-cost <C>")] [Description("Entropy bonus of actor-critic / PPO (default: the published one, 0.2 / 0.01).")]
        public double? EntropyCost { get; init; }
        [CommandOption("--rollout <T>")] public int? Rollout { get; init; }
        [CommandOption("--batch <B>")] [Description("Trajectories per learner step (default 64).")]
        public int? Batch { get; init; }
        [CommandOption("--replay-ratio <R>")] [Description("Replay rules: batch / R actor environments (default 32).")]
        public int? ReplayRatio { get; init; }
        [CommandOption("--replay-capacity <N>")] public int? ReplayCapacity { get; init; }
        [CommandOption("--net <NET>")] [Description("demo (mlp 512-512, LSTM 128), small (mlp 64-64, LSTM 64) or small-conv.")]
        public string? Net { get; init; }
        [CommandOption("--log-every <K>")] [Description("Metrics line every K learner iterations (default 10).")]
        public int? LogEvery { get; init; }
        [CommandOption("--checkpoint-every <N>")] [Description("Checkpoint every N environment steps (default: steps/10).")]
        public long? CheckpointEvery { get; init; }
        [CommandOption("--threads <N>")] [Description("Torch CPU threads (default: torch's choice).")]
        public int? Threads { get; init; }
    }

    public static AgentNetworkConfig ParseNet(string net) => net switch
    {
        "demo" => AgentNetworkConfig.Demo,
        "small" => AgentNetworkConfig.Small,
        "small-conv" => AgentNetworkConfig.SmallConv,
        _ => throw new CliUsageException($"--net must be demo, small or small-conv, not '{net}'"),
    };

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Threads is { } th)
        {
            if (th < 1) throw new CliUsageException("--threads must be ≥ 1");
            TorchSharp.torch.set_num_threads(th);
        }
        Trainer trainer;
        try
        {
            if (s.Resume is not null)
            {
                if (s.Out is not null || s.Env is not null || s.Rule is not null)
                    throw new CliUsageException("--resume takes the configuration from DIR/run.json: only --steps may be given with it");
                if (!Directory.Exists(s.Resume)) throw new CliUsageException($"--resume {s.Resume}: no such folder");
                if (s.Steps is < 1) throw new CliUsageException("--steps must be ≥ 1");
                trainer = Trainer.Resume(s.Resume, s.Steps);
            }
            else
            {
                if (string.IsNullOrEmpty(s.Env)) throw new CliUsageException("--env is required");
                if (!EnvironmentRegistry.Contains(s.Env)) throw new CliUsageException($"--env: unknown environment '{s.Env}' (see the envs verb)");
                if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
                var steps = s.Steps ?? 100_000;
                var spec = EnvironmentRegistry.Get(s.Env);
                var config = new TrainConfig
                {
                    Env = s.Env,
                    Rule = s.Rule ?? "disco103",
                    Steps = steps,
                    Seed = s.Seed ?? 0,
                    Device = s.Device ?? "cpu",
                    RolloutLength = s.Rollout ?? 29,
                    BatchSize = s.Batch ?? 64,
                    ReplayRatio = s.ReplayRatio ?? Math.Min(32, s.Batch ?? 64),
                    ReplayCapacity = s.ReplayCapacity ?? Math.Max(1024, s.Batch ?? 64),
                    LearningRate = s.LearningRate,
                    EntropyCost = s.EntropyCost,
                    Network = ParseNet(s.Net ?? (spec.Suite == "catch" ? "demo" : "small-conv")),
                    LogEvery = s.LogEvery ?? 10,
                    CheckpointEvery = s.CheckpointEvery ?? Math.Max(1, steps / 10),
                };
                try { config.Validate(); }
                catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
                if (s.Device is not null) DeviceOption.Parse(s.Device);
                trainer = Trainer.Create(config, s.Out);
            }
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }

        var c = trainer.Config;
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
