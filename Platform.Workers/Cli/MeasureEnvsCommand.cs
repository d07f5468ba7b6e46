using System.ComponentModel;
using System.Globalization;
using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>measure-envs</c>: normalisation constants. Mean return of the uniform random policy (N episodes, a share fixed in
/// advance per parallel environment: <see cref="EpisodeQuota"/>) and (ProcGen) of the solver over N consecutive
/// episodes (training levels, default options); one line per environment:
/// <c>ID random=R±SE best=B±SE episodes=N</c> (SE: the standard error of the mean).
/// </summary>
public sealed class MeasureEnvsCommand : Command<MeasureEnvsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")]
        [Description("Environment id (default: all).")]
        public string? Env { get; init; }

        [CommandOption("--episodes <N>")]
        [Description("Episodes per measurement (default 1000).")]
        public int Episodes { get; init; } = 1000;

        [CommandOption("--seed <S>")]
        [Description("Seed (default 1).")]
        public ulong Seed { get; init; } = 1;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Episodes < 1) throw new CliUsageException("--episodes must be at least 1");
        foreach (var spec in EnvOption.Resolve(settings.Env))
        {
            var random = RandomReturn(spec.Id, settings.Episodes, settings.Seed);
            var best = spec.Suite == "procgen" ? SolverReturn(spec.Id, settings.Episodes, settings.Seed).ToString() : "—";
            Console.WriteLine($"{spec.Id} random={random} best={best} episodes={settings.Episodes}");
        }
        return 0;
    }

    /// <summary>A mean over episodes and its standard error (sample standard deviation / √n), printed "mean±se".</summary>
    public readonly record struct Measured(double Mean, double StandardError)
    {
        public static Measured Of(IReadOnlyList<float> returns)
        {
            double mean = returns.Average(r => (double)r);
            double variance = returns.Count > 1 ? returns.Sum(r => (r - mean) * (r - mean)) / (returns.Count - 1) : 0;
            return new(mean, Math.Sqrt(variance / returns.Count));
        }

        public override string ToString() =>
            Mean.ToString("0.###", CultureInfo.InvariantCulture) + "±" + StandardError.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Mean return of <paramref name="episodes"/> episodes of uniformly random play on a batch of 64 environments, each
    /// contributing a share fixed in advance (<see cref="EpisodeQuota"/>: no bias towards short episodes).
    /// </summary>
    public static Measured RandomReturn(string id, int episodes, ulong seed)
    {
        var env = EnvironmentRegistry.Create(id, Math.Min(64, episodes), seed);
        var rng = Rng.Create(seed, 0xBEEF);
        var returns = EpisodeQuota.Collect(env, episodes, (_, actions) =>
        {
            for (int i = 0; i < actions.Length; i++) actions[i] = rng.Next(env.Spec.ActionCount);
        });
        return Measured.Of(returns);
    }

    /// <summary>Mean return of the ProcGen solver over <paramref name="episodes"/> consecutive episodes.</summary>
    public static Measured SolverReturn(string id, int episodes, ulong seed)
    {
        var env = (BatchedEnvironment)EnvironmentRegistry.Create(id, 1, seed);
        var game = (ProcGenGame)env.GameAt(0);
        var obs = new float[env.Spec.ObservationSize];
        int[] action = [0];
        float[] reward = [0];
        bool[] terminal = [false];
        env.Reset(obs);
        var returns = new List<float>(episodes);
        while (returns.Count < episodes)
        {
            action[0] = game.SolverAction();
            env.Step(action, obs, reward, terminal);
            if (terminal[0]) returns.Add(env.GetEpisodeStats(0).LastReturn);
        }
        return Measured.Of(returns);
    }
}
