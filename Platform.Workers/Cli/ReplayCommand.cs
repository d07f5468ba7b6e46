using System.ComponentModel;
using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary><c>replay</c>: records frames of one environment under a policy and writes an animated GIF.</summary>
public sealed class ReplayCommand : Command<ReplayCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")]
        [Description("Environment id (required).")]
        public string? Env { get; init; }

        [CommandOption("--seed <S>")]
        public ulong Seed { get; init; }

        [CommandOption("--frames <N>")]
        [Description("Frames to record (default 300).")]
        public int Frames { get; init; } = 300;

        [CommandOption("--policy <P>")]
        [Description("random (default) or solver (ProcGen games only).")]
        public string Policy { get; init; } = "random";

        [CommandOption("--scale <PX>")]
        [Description("Pixels per cell (default 12).")]
        public int Scale { get; init; } = 12;

        [CommandOption("--out <FILE>")]
        [Description("Output .gif file (required).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Env)) throw new CliUsageException("--env is required");
        if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
        if (s.Frames < 1 || s.Frames > 100_000) throw new CliUsageException("--frames must be in 1..100000");
        if (s.Scale < 1 || s.Scale > 64) throw new CliUsageException("--scale must be in 1..64");
        var spec = EnvOption.Resolve(s.Env)[0];
        var env = EnvironmentRegistry.Create(spec.Id, 1, s.Seed);
        Func<ReadOnlySpan<float>, int> policy = s.Policy switch
        {
            "random" => EpisodeRecorder.RandomPolicy(spec.ActionCount, s.Seed),
            "solver" when spec.Suite == "procgen" => SolverPolicy(env),
            _ => throw new CliUsageException($"unknown policy '{s.Policy}' for {spec.Id}: use random{(spec.Suite == "procgen" ? " or solver" : "")}"),
        };
        var rec = EpisodeRecorder.Record(env, s.Frames, policy);
        using (var f = File.Create(s.Out)) GifWriter.Write(f, rec.Frames, spec.Width, spec.Height, s.Scale);
        Console.WriteLine($"{spec.Id}: {rec.Frames.Count} frames, {rec.EpisodeReturns.Count} episodes ended (returns {string.Join(", ", rec.EpisodeReturns)}), total reward {rec.TotalReward} -> {s.Out}");
        return 0;
    }

    private static Func<ReadOnlySpan<float>, int> SolverPolicy(IBatchedEnvironment env)
    {
        var game = (ProcGenGame)((BatchedEnvironment)env).GameAt(0);
        return _ => game.SolverAction();
    }
}
