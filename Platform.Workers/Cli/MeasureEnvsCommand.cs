using System.ComponentModel;
using System.Globalization;
using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>measure-envs</c>: normalisation constants. Mean return of the uniform random policy and (ProcGen) of the
/// solver over the first N completed episodes (training levels, default options); one line per environment:
/// <c>ID random=R best=B episodes=N</c>.
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
            double random = RandomReturn(spec.Id, settings.Episodes, settings.Seed);
            string best = spec.Suite == "procgen"
                ? SolverReturn(spec.Id, settings.Episodes, settings.Seed).ToString("0.###", CultureInfo.InvariantCulture)
                : "—";
            Console.WriteLine($"{spec.Id} random={random.ToString("0.###", CultureInfo.InvariantCulture)} best={best} episodes={settings.Episodes}");
        }
        return 0;
    }

    /// <summary>Mean return of the first <paramref name="episodes"/> episodes completed by a batch of 64 random-acting environments.</summary>
    public static double RandomReturn(string id, int episodes, ulong seed)
    {
        const int batch = 64;
        var env = EnvironmentRegistry.Create(id, batch, seed);
        var obs = new float[batch * env.Spec.ObservationSize];
        var actions = new int[batch];
        var rewards = new float[batch];
        var terminals = new bool[batch];
        var rng = Rng.Create(seed, 0xBEEF);
        env.Reset(obs);
        double sum = 0;
        int done = 0;
        while (done < episodes)
        {
            for (int i = 0; i < batch; i++) actions[i] = rng.Next(env.Spec.ActionCount);
            env.Step(actions, obs, rewards, terminals);
            for (int i = 0; i < batch && done < episodes; i++)
                if (terminals[i]) { sum += env.GetEpisodeStats(i).LastReturn; done++; }
        }
        return sum / episodes;
    }

    /// <summary>Mean return of the ProcGen solver over <paramref name="episodes"/> consecutive episodes.</summary>
    public static double SolverReturn(string id, int episodes, ulong seed)
    {
        var env = (BatchedEnvironment)EnvironmentRegistry.Create(id, 1, seed);
        var game = (ProcGenGame)env.GameAt(0);
        var obs = new float[env.Spec.ObservationSize];
        int[] action = [0];
        float[] reward = [0];
        bool[] terminal = [false];
        env.Reset(obs);
        double sum = 0;
        for (int done = 0; done < episodes;)
        {
            action[0] = game.SolverAction();
            env.Step(action, obs, reward, terminal);
            if (terminal[0]) { sum += env.GetEpisodeStats(0).LastReturn; done++; }
        }
        return sum / episodes;
    }
}
