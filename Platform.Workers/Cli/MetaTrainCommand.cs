using System.ComponentModel;
using System.Globalization;
using Platform.Workers.MetaTraining;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>meta-train</c>: meta-trains the Disco rule on a population of agents (<see cref="MetaTrainer"/>). Writes
/// DIR/run.json, DIR/metrics.jsonl (one line per meta step), DIR/checkpoints/meta-step-N/meta_network.npz (the
/// Disco103 layout: usable as <c>train --rule npz:PATH</c>) and DIR/summary.json. SIGTERM or Ctrl+C: checkpoint, exit 130.
/// </summary>
public sealed class MetaTrainCommand : Command<MetaTrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--envs <IDS>")] [Description("Comma-separated environment ids of the population, e.g. catch/5x5 or minatar/breakout,minatar/asterix.")]
        public string? Envs { get; init; }
        [CommandOption("--init <INIT>")] [Description("Initial meta-network: random (default), disco103 or npz:PATH.")]
        public string? Init { get; init; }
        [CommandOption("--meta-steps <N>")] [Description("Meta steps in total (default 800).")]
        public long? MetaSteps { get; init; }
        [CommandOption("--seed <S>")] public long? Seed { get; init; }
        [CommandOption("--out <DIR>")] [Description("Run folder (required unless --resume).")]
        public string? Out { get; init; }
        [CommandOption("--resume <DIR>")] [Description("Continue the run in DIR from its latest checkpoint (--meta-steps may raise the total).")]
        public string? Resume { get; init; }
        [CommandOption("--agents <N>")] [Description("Population size (default 2).")]
        public int? Agents { get; init; }
        [CommandOption("--inner-steps <K>")] [Description("Inner learner steps per meta-gradient (default 2).")]
        public int? InnerSteps { get; init; }
        [CommandOption("--rollout <T>")] [Description("Training rollout length (default 16; validation rollouts are 2T).")]
        public int? Rollout { get; init; }
        [CommandOption("--batch <B>")] [Description("Environments per agent (default 32).")]
        public int? Batch { get; init; }
        [CommandOption("--inner-lr <LR>")] [Description("Agents' learning rate (default 5e-4).")]
        public double? InnerLr { get; init; }
        [CommandOption("--meta-lr <LR>")] [Description("Meta-optimiser (Adam) learning rate (default 5e-4).")]
        public double? MetaLr { get; init; }
        [CommandOption("--meta-grad-clip <C>")] [Description("Clip each agent's meta-gradient to global norm C before averaging (default 0: off, as the reference).")]
        public double? MetaGradClip { get; init; }
        [CommandOption("--entropy-cost <C>")] [Description("Meta-loss weight of −H(π) on the validation rollout (default 1e-2).")]
        public double? EntropyCost { get; init; }
        [CommandOption("--prediction-entropy-cost <C>")] [Description("Meta-loss weight of −H(y) − H(z) on the validation rollout (default 1e-3).")]
        public double? PredictionEntropyCost { get; init; }
        [CommandOption("--output-mean-cost <C>")] [Description("Meta-loss weight of the squared means of π̂, ŷ, ẑ (default 1e-3).")]
        public double? OutputMeanCost { get; init; }
        [CommandOption("--target-kl-cost <C>")] [Description("Meta-loss weight of KL(π_target ‖ π̂) on the training rollouts (default 1e-2).")]
        public double? TargetKlCost { get; init; }
        [CommandOption("--lifetime <L>")] [Description("Inner steps before an agent is replaced by a fresh one (default 0: never).")]
        public long? Lifetime { get; init; }
        [CommandOption("--net <NET>")] [Description("Agent network: small (default), demo or small-conv.")]
        public string? Net { get; init; }
        [CommandOption("--checkpoint-every <M>")] [Description("Meta steps between checkpoints (default 50).")]
        public long? CheckpointEvery { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("cpu (default) or cuda.")]
        public string? Device { get; init; }
        [CommandOption("--threads <N>")] [Description("Torch CPU threads (default: torch's choice).")]
        public int? Threads { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Threads is { } th)
        {
            if (th < 1) throw new CliUsageException("--threads must be ≥ 1");
            TorchSharp.torch.set_num_threads(th);
        }
        MetaTrainer trainer;
        try
        {
            if (s.Resume is not null)
            {
                if (s.Out is not null || s.Envs is not null || s.Init is not null)
                    throw new CliUsageException("--resume takes the configuration from DIR/run.json: only --meta-steps and --device may be given with it");
                if (!Directory.Exists(s.Resume)) throw new CliUsageException($"--resume {s.Resume}: no such folder");
                if (s.MetaSteps is < 1) throw new CliUsageException("--meta-steps must be ≥ 1");
                if (s.Device is not null) DeviceOption.Parse(s.Device);
                trainer = MetaTrainer.Resume(s.Resume, s.MetaSteps, s.Device);
            }
            else
            {
                if (string.IsNullOrWhiteSpace(s.Envs)) throw new CliUsageException("--envs is required");
                if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
                var envs = s.Envs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var defaults = new MetaTrainConfig();
                var config = new MetaTrainConfig
                {
                    Envs = envs,
                    Init = s.Init ?? defaults.Init,
                    MetaSteps = s.MetaSteps ?? defaults.MetaSteps,
                    Seed = s.Seed ?? 0,
                    Agents = s.Agents ?? defaults.Agents,
                    InnerSteps = s.InnerSteps ?? defaults.InnerSteps,
                    RolloutLength = s.Rollout ?? defaults.RolloutLength,
                    BatchSize = s.Batch ?? defaults.BatchSize,
                    InnerLearningRate = s.InnerLr ?? defaults.InnerLearningRate,
                    MetaLearningRate = s.MetaLr ?? defaults.MetaLearningRate,
                    MetaGradClip = s.MetaGradClip ?? 0,
                    Lifetime = s.Lifetime ?? 0,
                    Loss = new MetaLossSettings(
                        s.EntropyCost ?? defaults.Loss.EntropyCost, s.PredictionEntropyCost ?? defaults.Loss.PredictionEntropyCost,
                        s.OutputMeanCost ?? defaults.Loss.OutputMeanCost, s.TargetKlCost ?? defaults.Loss.TargetKlCost),
                    Network = TrainCommand.ParseNet(s.Net ?? "small"),
                    CheckpointEvery = s.CheckpointEvery ?? defaults.CheckpointEvery,
                    Device = s.Device ?? "cpu",
                };
                config.Validate();
                DeviceOption.Parse(config.Device);
                trainer = MetaTrainer.Create(config, s.Out);
            }
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        catch (Data.MetaNetworks.MetaNetworkFormatException ex) { throw new CliUsageException($"--init: {ex.Message}"); }

        var c = trainer.Config;
        Console.WriteLine($"meta-train envs={string.Join(',', c.Envs)} init={c.Init} meta_steps={c.MetaSteps} seed={c.Seed} agents={c.Agents} " +
                          $"inner_steps={c.InnerSteps} rollout={c.RolloutLength} batch={c.BatchSize} inner_lr={c.InnerLearningRate} meta_lr={c.MetaLearningRate} " +
                          $"meta_grad_clip={c.MetaGradClip} loss={c.Loss} lifetime={c.Lifetime} device={c.Device} meta_params={trainer.MetaParameters.ParameterCount} out={trainer.OutDir}");
        var result = LoopRunner.Run<MetaTrainProgress, MetaTrainResult>(cancellationToken, "meta-train", trainer.MetaStep, c.MetaSteps, trainer.Run, p => p.MetaStep,
            (p, eta) => $"meta_step={p.MetaStep}/{p.TotalMetaSteps} meta_loss={p.MetaLoss:F4} inner_return={p.InnerReturn:F3} meta_steps_per_s={p.MetaStepsPerSecond:F2} eta={eta:hh\\:mm\\:ss}",
            (p, eta) => $"meta step {p.MetaStep} · {p.MetaStepsPerSecond:F2}/s · meta-loss {p.MetaLoss:F4} · inner return {p.InnerReturn:F3} · eta {eta:hh\\:mm\\:ss}");
        Console.WriteLine($"{(result.Interrupted ? "interrupted" : "done")} meta_steps={result.MetaSteps} inner_return={result.FinalInnerReturn.ToString("F4", CultureInfo.InvariantCulture)} " +
                          string.Join(" ", trainer.Seconds.Select(kv => $"seconds_{kv.Key}={kv.Value:F2}")) + $" gc0={GC.CollectionCount(0)}");
        return result.Interrupted ? TrainCommand.InterruptedExitCode : 0;
    }
}
