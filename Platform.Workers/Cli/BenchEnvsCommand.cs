using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Platform.Workers.Environments;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>bench-envs</c>: single-thread environment steps per second (batch × batched steps) with random actions and
/// observations written; one line per environment: <c>ID &lt;steps per second&gt;</c>.
/// </summary>
public sealed class BenchEnvsCommand : Command<BenchEnvsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--env <ID>")]
        [Description("Environment id (default: all).")]
        public string? Env { get; init; }

        [CommandOption("--batch <N>")]
        [Description("Batch size (default 64).")]
        public int Batch { get; init; } = 64;

        [CommandOption("--seconds <S>")]
        [Description("Measured seconds per environment (default 2).")]
        public double Seconds { get; init; } = 2;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Batch < 1) throw new CliUsageException("--batch must be at least 1");
        if (!(settings.Seconds > 0)) throw new CliUsageException("--seconds must be positive");
        foreach (var spec in EnvOption.Resolve(settings.Env))
        {
            double sps = Measure(spec.Id, settings.Batch, settings.Seconds);
            Console.WriteLine($"{spec.Id} {sps.ToString("0", CultureInfo.InvariantCulture)}");
        }
        return 0;
    }

    /// <summary>Env steps per second of <paramref name="id"/> at the given batch size (after a short warm-up).</summary>
    public static double Measure(string id, int batch, double seconds)
    {
        var env = EnvironmentRegistry.Create(id, batch, 12345);
        var spec = env.Spec;
        var obs = new float[batch * spec.ObservationSize];
        var actions = new int[batch];
        var rewards = new float[batch];
        var terminals = new bool[batch];
        var rng = Rng.Create(99);
        env.Reset(obs);
        Run(Math.Min(0.3, seconds));
        return Run(seconds);

        double Run(double limit)
        {
            long steps = 0;
            var sw = Stopwatch.StartNew();
            long limitTicks = (long)(limit * Stopwatch.Frequency);
            while (true)
            {
                for (int k = 0; k < 16; k++)
                {
                    for (int i = 0; i < actions.Length; i++) actions[i] = rng.Next(spec.ActionCount);
                    env.Step(actions, obs, rewards, terminals);
                }
                steps += 16L * batch;
                if (sw.ElapsedTicks >= limitTicks) break;
            }
            return steps / sw.Elapsed.TotalSeconds;
        }
    }
}
