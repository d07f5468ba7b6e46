using System.ComponentModel;
using System.Globalization;
using Platform.Data.Runs;
using Platform.Workers.Environments;
using Platform.Workers.Learning;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>evaluate</c>: runs a checkpoint's policy for K episodes; the last line is <c>mean_return=&lt;x&gt; episodes=&lt;k&gt;</c>,
/// and with <c>--out DIR</c> each episode's return is a metric point (the platform's evaluate runs: their page shows the spread).
/// </summary>
public sealed class EvaluateCommand : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <DIR>")] [Description("A run folder (its latest checkpoint) or a checkpoints/step-… folder.")]
        public string? Checkpoint { get; init; }
        [CommandOption("--env <ID>")] [Description("Environment id (default: the run's).")]
        public string? Env { get; init; }
        [CommandOption("--episodes <K>")] [RunOptionHelp(RunOptionTables.Evaluate, "episodes")]
        public int? Episodes { get; init; }
        [CommandOption("--greedy")] [RunOptionHelp(RunOptionTables.Evaluate, "greedy")]
        public bool Greedy { get; init; }
        [CommandOption("--levels <SET>")] [RunOptionHelp(RunOptionTables.Evaluate, "levels")]
        public string? Levels { get; init; }
        [CommandOption("--seed <S>")] [RunOptionHelp(RunOptionTables.Evaluate, "seed")]
        public ulong Seed { get; init; } = EvaluateOptions.CliDefaultSeed;
        [CommandOption("--device <DEVICE>")] public string Device { get; init; } = "cpu";
        [CommandOption("--out <DIR>")] [Description("Also write each episode's return to DIR/metrics.jsonl as episodes finish (evaluation_return at step = episodes finished so far).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Checkpoint)) throw new CliUsageException("--checkpoint is required");
        if (!Directory.Exists(s.Checkpoint)) throw new CliUsageException($"--checkpoint {s.Checkpoint}: no such folder");
        var episodes = s.Episodes ?? EvaluateOptions.Episodes.IntDefault;
        if (EvaluateOptions.Episodes.CheckRange(episodes) is not null)
            throw new CliUsageException($"--episodes must be {EvaluateOptions.Episodes.RangeDescription}, not {episodes}");
        if (s.Env is not null && !EnvironmentRegistry.Contains(s.Env)) throw new CliUsageException($"--env: unknown environment '{s.Env}'");
        var levels = s.Levels ?? EvaluateOptions.Levels.StringDefaultFor(null);
        if (EvaluateOptions.Levels.Check(RunOption.Value(levels)) is { } levelsProblem) throw new CliUsageException($"--levels {levels}: {levelsProblem}");
        var device = DeviceOption.Parse(s.Device);
        Policy policy;
        try { policy = Policy.Load(s.Checkpoint, device); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        var env = s.Env ?? policy.Config.Env;
        List<float> returns;
        // With --out, episodes' returns are appended as they finish (step = episodes finished so far), at most once a
        // second, so a worker shows an evaluation run's points live instead of all at its end.
        if (s.Out is not null) Directory.CreateDirectory(s.Out);
        var pending = new List<(long Step, IEnumerable<KeyValuePair<string, double>> Values)>();
        var sinceWrite = System.Diagnostics.Stopwatch.StartNew();
        void Write()
        {
            if (pending.Count > 0) RunFolder.AppendMetrics(s.Out!, pending);
            pending.Clear();
            sinceWrite.Restart();
        }
        long finished = 0;
        Action<float>? live = s.Out is null ? null : r =>
        {
            pending.Add((++finished, [new(RunFolderLayout.MetricEvaluationReturn, r)]));
            if (sinceWrite.Elapsed.TotalSeconds >= 1) Write();
        };
        try { returns = Evaluator.Run(policy, env, episodes, s.Greedy, s.Seed, testLevels: levels == EvaluateOptions.TestLevelSet, onEpisode: live); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        if (s.Out is not null) Write();
        Console.WriteLine($"checkpoint={policy.Checkpoint} env={env} rule={policy.Config.Rule} policy={(s.Greedy ? "greedy" : "sampled")}" +
                          (EnvironmentRegistry.Get(env).HasTestLevels ? $" levels={levels} train_levels={policy.Config.TrainLevels}" : ""));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"min={returns.Min()} max={returns.Max()}"));
        Console.WriteLine(RunFolderLayout.EvaluateResultLine(returns.Average(), returns.Count));
        return 0;
    }
}
