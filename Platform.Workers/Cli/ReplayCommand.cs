using System.ComponentModel;
using Platform.Data.Environments;
using Platform.Data.Npz;
using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;
using Platform.Workers.Learning;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>replay</c>: records frames of one environment under a policy and writes an animated GIF: uniformly random
/// actions, the ProcGen solver, or (with <c>--checkpoint</c>) a trained agent. The GIF is written to a temporary
/// file beside <c>--out</c> and renamed, so a reader never sees a partial file.
/// </summary>
public sealed class ReplayCommand : Command<ReplayCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")]
        [Description("Environment id (required without --checkpoint; default with it: the run's environment).")]
        public string? Env { get; init; }

        [CommandOption("--seed <S>")]
        public ulong Seed { get; init; }

        [CommandOption("--frames <N>")]
        [Description("Frames to record (default 300).")]
        public int Frames { get; init; } = 300;

        [CommandOption("--policy <P>")]
        [Description("random (default) or solver (ProcGen games only); with --checkpoint the trained agent acts.")]
        public string? Policy { get; init; }

        [CommandOption("--checkpoint <DIR>")]
        [Description("A run folder (its latest checkpoint) or a checkpoints/step-… folder written by train: the trained agent acts.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--greedy")]
        [Description("With --checkpoint: take the policy's most likely action instead of sampling.")]
        public bool Greedy { get; init; }

        [CommandOption("--scale <PX>")]
        [Description("Pixels per cell (default 12).")]
        public int Scale { get; init; } = 12;

        [CommandOption("--out <FILE>")]
        [Description("Output .gif file (required).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
        if (s.Frames < 1 || s.Frames > 100_000) throw new CliUsageException("--frames must be in 1..100000");
        if (s.Scale < 1 || s.Scale > 64) throw new CliUsageException("--scale must be in 1..64");
        if (s.Checkpoint is null && s.Greedy) throw new CliUsageException("--greedy needs --checkpoint");
        if (s.Checkpoint is not null && s.Policy is not null) throw new CliUsageException("--policy and --checkpoint exclude each other: with --checkpoint the trained agent acts");

        Policy? agent = null;
        if (s.Checkpoint is not null)
        {
            if (!Directory.Exists(s.Checkpoint)) throw new CliUsageException($"--checkpoint {s.Checkpoint}: no such folder");
            try { agent = Policy.Load(s.Checkpoint); }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or NpyFormatException or IOException)
            {
                throw new CliUsageException($"--checkpoint {s.Checkpoint}: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }
        var envId = s.Env ?? agent?.Config.Env ?? throw new CliUsageException("--env is required");
        var spec = EnvOption.Resolve(envId)[0];
        if (agent is not null)
        {
            var trained = EnvironmentRegistry.Get(agent.Config.Env);
            if (!spec.ObservationShape.SequenceEqual(trained.ObservationShape) || spec.ActionCount != trained.ActionCount)
                throw new CliUsageException($"--env {spec.Id}: observation or action shape differs from the trained environment {trained.Id}");
        }

        var env = EnvironmentRegistry.Create(spec.Id, 1, s.Seed);
        var policyName = agent is not null ? (s.Greedy ? "agent (greedy)" : "agent (sampled)") : s.Policy ?? "random";
        Func<ReadOnlySpan<float>, int> policy = (agent, s.Policy ?? "random") switch
        {
            ({ } a, _) => AgentPolicy(a, spec, s.Greedy, s.Seed),
            (null, "random") => EpisodeRecorder.RandomPolicy(spec.ActionCount, s.Seed),
            (null, "solver") when spec.Suite == "procgen" => SolverPolicy(env),
            _ => throw new CliUsageException($"unknown policy '{s.Policy}' for {spec.Id}: use random{(spec.Suite == "procgen" ? " or solver" : "")}, or --checkpoint DIR"),
        };
        var rec = EpisodeRecorder.Record(env, s.Frames, policy);

        var outPath = Path.GetFullPath(s.Out);
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        var temporary = outPath + ".tmp";
        using (var f = File.Create(temporary)) GifWriter.Write(f, rec.Frames, spec.Width, spec.Height, s.Scale);
        File.Move(temporary, outPath, overwrite: true);
        Console.WriteLine($"{spec.Id} {policyName}: {rec.Frames.Count} frames, {rec.EpisodeReturns.Count} episodes ended (returns {string.Join(", ", rec.EpisodeReturns)}), total reward {rec.TotalReward} -> {s.Out}");
        return 0;
    }

    /// <summary>The trained agent's policy on one observation: its logits' argmax, or a sample from them.</summary>
    private static Func<ReadOnlySpan<float>, int> AgentPolicy(Policy agent, EnvironmentSpec spec, bool greedy, ulong seed)
    {
        var rng = new LearnerRng(seed * 0x9E3779B97F4A7C15UL + 1);
        var logits = new float[spec.ActionCount];
        var buffer = new float[spec.ObservationSize];
        return obs =>
        {
            obs.CopyTo(buffer);
            using (no_grad())
            using (NewDisposeScope())
            {
                var o = tensor(buffer, [1, spec.Height, spec.Width, spec.Channels]);
                agent.Network.Logits(agent.Parameters, o).cpu().data<float>().CopyTo(logits);
            }
            return greedy ? LearnerRng.Argmax(logits) : rng.SampleSoftmax(logits);
        };
    }

    private static Func<ReadOnlySpan<float>, int> SolverPolicy(IBatchedEnvironment env)
    {
        var game = (ProcGenGame)((BatchedEnvironment)env).GameAt(0);
        return _ => game.SolverAction();
    }
}
