using Platform.Workers.Learning;
using System.ComponentModel;
using System.Globalization;
using Platform.Data.Runs;
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
        [CommandOption("--meta-steps <N>")] [RunOptionHelp(RunOptionTables.MetaTrain, "meta-steps")]
        public long? MetaSteps { get; init; }
        [CommandOption("--seed <S>")] [RunOptionHelp(RunOptionTables.MetaTrain, "seed")] public long? Seed { get; init; }
        [CommandOption("--out <DIR>")] [Description("Run folder (required unless --resume).")]
        public string? Out { get; init; }
        [CommandOption("--resume <DIR>")] [Description("Continue the run in DIR from its latest checkpoint (--meta-steps may raise the total).")]
        public string? Resume { get; init; }
        [CommandOption("--agents <N>")] [RunOptionHelp(RunOptionTables.MetaTrain, "agents")]
        public int? Agents { get; init; }
        [CommandOption("--inner-steps <K>")] [RunOptionHelp(RunOptionTables.MetaTrain, "inner-steps")]
        public int? InnerSteps { get; init; }
        [CommandOption("--rollout <T>")] [RunOptionHelp(RunOptionTables.MetaTrain, "rollout")]
        public int? Rollout { get; init; }
        [CommandOption("--segments <S>")] [RunOptionHelp(RunOptionTables.MetaTrain, "segments")]
        public string? Segments { get; init; }
        [CommandOption("--loss-mask <M>")] [RunOptionHelp(RunOptionTables.MetaTrain, "loss-mask")]
        public string? LossMask { get; init; }
        [CommandOption("--batch <B>")] [RunOptionHelp(RunOptionTables.MetaTrain, "batch")]
        public int? Batch { get; init; }
        [CommandOption("--inner-lr <LR>")] [RunOptionHelp(RunOptionTables.MetaTrain, "inner-lr")]
        public double? InnerLr { get; init; }
        [CommandOption("--meta-lr <LR>")] [RunOptionHelp(RunOptionTables.MetaTrain, "meta-lr")]
        public double? MetaLr { get; init; }
        [CommandOption("--meta-grad-clip <C>")] [RunOptionHelp(RunOptionTables.MetaTrain, "meta-grad-clip")]
        public double? MetaGradClip { get; init; }
        [CommandOption("--entropy-cost <C>")] [RunOptionHelp(RunOptionTables.MetaTrain, "entropy-cost")]
        public double? EntropyCost { get; init; }
        [CommandOption("--prediction-entropy-cost <C>")] [RunOptionHelp(RunOptionTables.MetaTrain, "prediction-entropy-cost")]
        public double? PredictionEntropyCost { get; init; }
        [CommandOption("--output-mean-cost <C>")] [RunOptionHelp(RunOptionTables.MetaTrain, "output-mean-cost")]
        public double? OutputMeanCost { get; init; }
        [CommandOption("--target-kl-cost <C>")] [RunOptionHelp(RunOptionTables.MetaTrain, "target-kl-cost")]
        public double? TargetKlCost { get; init; }
        [CommandOption("--lifetime <L>")] [RunOptionHelp(RunOptionTables.MetaTrain, "lifetime")]
        public long? Lifetime { get; init; }
        [CommandOption("--init-action-bias <B>")] [RunOptionHelp(RunOptionTables.MetaTrain, "init-action-bias")]
        public double? InitActionBias { get; init; }
        [CommandOption("--action-pathway-lr-scale <S>")] [RunOptionHelp(RunOptionTables.MetaTrain, "action-pathway-lr-scale")]
        public double? ActionPathwayLrScale { get; init; }
        [CommandOption("--action-pathway-adam-eps <E>")] [RunOptionHelp(RunOptionTables.MetaTrain, "action-pathway-adam-eps")]
        public double? ActionPathwayAdamEps { get; init; }
        [CommandOption("--meta-lr-warmup <W>")] [RunOptionHelp(RunOptionTables.MetaTrain, "meta-lr-warmup")]
        public long? MetaLrWarmup { get; init; }
        [CommandOption("--pathway-attribution-every <N>")] [RunOptionHelp(RunOptionTables.MetaTrain, "pathway-attribution-every")]
        public long? PathwayAttributionEvery { get; init; }
        [CommandOption("--net <NET>")] [RunOptionHelp(RunOptionTables.MetaTrain, "net")]
        public string? Net { get; init; }
        [CommandOption("--checkpoint-every <M>")] [RunOptionHelp(RunOptionTables.MetaTrain, "checkpoint-every")]
        public long? CheckpointEvery { get; init; }
        [CommandOption("--validate-every <M>")] [RunOptionHelp(RunOptionTables.MetaTrain, "validate-every")]
        public long? ValidateEvery { get; init; }
        [CommandOption("--validation-agents <K>")] [RunOptionHelp(RunOptionTables.MetaTrain, "validation-agents")]
        public int? ValidationAgents { get; init; }
        [CommandOption("--validation-steps <N>")] [RunOptionHelp(RunOptionTables.MetaTrain, "validation-steps")]
        public long? ValidationSteps { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("cpu (default) or cuda.")]
        public string? Device { get; init; }
        [CommandOption("--threads <N>")] [RunOptionHelp(RunOptionTables.MetaTrain, "threads")]
        public int? Threads { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        ThreadsOption.Apply(MetaTrainOptions.Threads, s.Threads);
        MetaTrainer trainer;
        try
        {
            if (s.Resume is not null)
            {
                if (s.Out is not null || s.Envs is not null || s.Init is not null)
                    throw new CliUsageException("--resume takes the configuration from DIR/run.json: only --meta-steps and --device may be given with it");
                if (!Directory.Exists(s.Resume)) throw new CliUsageException($"--resume {s.Resume}: no such folder");
                if (s.MetaSteps is { } more) MetaTrainOptions.MetaSteps.Require(more);
                if (s.Device is not null) DeviceOption.Parse(s.Device);
                trainer = MetaTrainer.Resume(s.Resume, s.MetaSteps, s.Device);
            }
            else
            {
                if (string.IsNullOrWhiteSpace(s.Envs)) throw new CliUsageException("--envs is required");
                if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
                var envs = s.Envs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var config = new MetaTrainConfig
                {
                    Envs = envs,
                    Init = s.Init ?? MetaTrainRunSpec.RandomInit,
                    MetaSteps = s.MetaSteps ?? MetaTrainOptions.MetaSteps.LongDefault,
                    Seed = s.Seed ?? 0,
                    Agents = s.Agents ?? MetaTrainOptions.Agents.IntDefault,
                    InnerSteps = s.InnerSteps ?? MetaTrainOptions.InnerSteps.IntDefault,
                    RolloutLength = s.Rollout ?? MetaTrainOptions.Rollout.IntDefault,
                    Segments = s.Segments ?? MetaTrainOptions.Segments.StringDefaultFor(null),
                    LossMask = s.LossMask ?? MetaTrainOptions.LossMask.StringDefaultFor(null),
                    BatchSize = s.Batch ?? MetaTrainOptions.Batch.IntDefault,
                    InnerLearningRate = s.InnerLr ?? MetaTrainOptions.InnerLearningRate.DoubleDefault,
                    MetaLearningRate = s.MetaLr ?? MetaTrainOptions.MetaLearningRate.DoubleDefault,
                    MetaGradClip = s.MetaGradClip ?? MetaTrainOptions.MetaGradClip.DoubleDefault,
                    Lifetime = s.Lifetime ?? MetaTrainOptions.Lifetime.LongDefault,
                    InitActionBias = s.InitActionBias ?? MetaTrainOptions.InitActionBias.DoubleDefault,
                    ActionPathwayLrScale = s.ActionPathwayLrScale ?? MetaTrainOptions.ActionPathwayLrScale.DoubleDefault,
                    ActionPathwayAdamEps = s.ActionPathwayAdamEps ?? MetaTrainOptions.ActionPathwayAdamEps.DoubleDefault,
                    MetaLrWarmup = s.MetaLrWarmup ?? MetaTrainOptions.MetaLrWarmup.LongDefault,
                    PathwayAttributionEvery = s.PathwayAttributionEvery ?? MetaTrainOptions.PathwayAttributionEvery.LongDefault,
                    Loss = new MetaLossSettings(
                        s.EntropyCost ?? MetaTrainOptions.EntropyCost.DoubleDefault, s.PredictionEntropyCost ?? MetaTrainOptions.PredictionEntropyCost.DoubleDefault,
                        s.OutputMeanCost ?? MetaTrainOptions.OutputMeanCost.DoubleDefault, s.TargetKlCost ?? MetaTrainOptions.TargetKlCost.DoubleDefault),
                    Network = TrainCommand.ParseNet(s.Net ?? MetaTrainOptions.Network.StringDefaultFor(null)),
                    CheckpointEvery = s.CheckpointEvery ?? MetaTrainOptions.CheckpointEvery.LongDefault,
                    ValidateEvery = s.ValidateEvery ?? MetaTrainOptions.ValidateEvery.LongDefault,
                    ValidationAgents = s.ValidationAgents ?? MetaTrainOptions.ValidationAgents.IntDefault,
                    ValidationSteps = s.ValidationSteps ?? MetaTrainOptions.ValidationSteps.LongDefault,
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
        if (trainer.OutDir is not null) Provenance.Write(trainer.OutDir, c.Device, c.Seed, s.Resume is null ? null : trainer.MetaStep);
        Console.WriteLine($"meta-train envs={string.Join(',', c.Envs)} init={c.Init} meta_steps={c.MetaSteps} seed={c.Seed} agents={c.Agents} " +
                          $"inner_steps={c.InnerSteps} rollout={c.RolloutLength} segments={c.Segments ?? TrainOptions.OverlappingSegments} loss_mask={c.LossMask ?? TrainOptions.MaskNone} batch={c.BatchSize} inner_lr={c.InnerLearningRate} meta_lr={c.MetaLearningRate} " +
                          $"meta_grad_clip={c.MetaGradClip} loss={c.Loss} lifetime={c.Lifetime} device={c.Device} meta_params={trainer.MetaParameters.ParameterCount} out={trainer.OutDir}");
        var result = LoopRunner.Run<MetaTrainProgress, MetaTrainResult>(cancellationToken, "meta-train", trainer.MetaStep, c.MetaSteps, trainer.Run, p => p.MetaStep,
            (p, eta) => $"meta_step={p.MetaStep}/{p.TotalMetaSteps} meta_loss={p.MetaLoss:F4} inner_return={p.InnerReturn:F3} meta_steps_per_s={p.MetaStepsPerSecond:F2} eta={eta:hh\\:mm\\:ss}",
            (p, eta) => $"meta step {p.MetaStep} · {p.MetaStepsPerSecond:F2}/s · meta-loss {p.MetaLoss:F4} · inner return {p.InnerReturn:F3} · eta {eta:hh\\:mm\\:ss}");
        Console.WriteLine($"{(result.Interrupted ? "interrupted" : "done")} meta_steps={result.MetaSteps} inner_return={result.FinalInnerReturn.ToString("F4", CultureInfo.InvariantCulture)} " +
                          string.Join(" ", trainer.Seconds.Select(kv => $"seconds_{kv.Key}={kv.Value:F2}")) + $" gc0={GC.CollectionCount(0)}");
        return result.Interrupted ? TrainCommand.InterruptedExitCode : 0;
    }
}
