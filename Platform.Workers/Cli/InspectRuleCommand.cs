using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Platform.Data.Runs;
using Platform.Workers.Inspection;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>inspect-rule</c>: what a rule asks of a checkpoint's agent on fresh episodes, beside classical advantages
/// (<see cref="RuleInspector"/>); writes the JSON report and prints the summary's correlations.
/// </summary>
public sealed class InspectRuleCommand : Command<InspectRuleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <DIR>")] [Description("A run folder (its latest checkpoint) or a checkpoints/step-… folder.")]
        public string? Checkpoint { get; init; }
        [CommandOption("--rule <RULE>")] [Description("disco103, npz:PATH (a meta-network), actor-critic or ppo; default: the agent's own. A meta-network needs an agent with y, z and q heads; a baseline only inspects its own agents.")]
        public string? Rule { get; init; }
        [CommandOption("--env <ID>")] [Description("Environment id (default: the run's).")]
        public string? Env { get; init; }
        [CommandOption("--episodes <N>")] [RunOptionHelp(RunOptionTables.Inspect, "episodes")]
        public int Episodes { get; init; } = InspectOptions.Episodes.IntDefault;
        [CommandOption("--seed <S>")] [RunOptionHelp(RunOptionTables.Inspect, "seed")]
        public ulong Seed { get; init; }
        [CommandOption("--ends-within <K>")] [RunOptionHelp(RunOptionTables.Inspect, "ends-within")]
        public int EndsWithin { get; init; } = InspectOptions.EndsWithin.IntDefault;
        [CommandOption("--out <FILE>")] [Description("Where to write the JSON report.")]
        public string? Out { get; init; }
        [CommandOption("--device <DEVICE>")] public string Device { get; init; } = "cpu";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Checkpoint)) throw new CliUsageException("--checkpoint is required");
        if (!Directory.Exists(s.Checkpoint)) throw new CliUsageException($"--checkpoint {s.Checkpoint}: no such folder");
        if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
        DeviceOption.Parse(s.Device);
        InspectionReport report;
        try
        {
            report = RuleInspector.Inspect(new InspectionRequest(s.Checkpoint, s.Rule, s.Env, s.Episodes, s.Seed, s.EndsWithin, Device: s.Device));
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        var dir = Path.GetDirectoryName(Path.GetFullPath(s.Out));
        if (dir is not null) Directory.CreateDirectory(dir);
        var tmp = s.Out + ".tmp";
        using (var stream = File.Create(tmp)) JsonSerializer.Serialize(stream, report, InspectionReport.Json);
        File.Move(tmp, s.Out, overwrite: true);

        var m = report.Summary;
        string F(double? x) => x is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "n/a";
        Console.WriteLine($"checkpoint={report.Checkpoint} env={report.Env} rule={report.Rule} agent_rule={report.AgentRule} rule_state={report.RuleState}");
        Console.WriteLine($"steps={m.Steps} complete_episodes={m.CompleteEpisodes} mean_return={F(m.MeanReturn)}");
        foreach (var (name, r) in m.Correlation)
            Console.WriteLine($"correlation[rule_advantage, {name}]={F(r)} sign_agreement={F(m.SignAgreement[name])}");
        if (m.Probes is not null)
            foreach (var (source, probes) in m.Probes)
                Console.WriteLine($"probe_r2[{source}] " + string.Join(' ', probes.Select(p => $"{p.Key}={F(p.Value)}")));
        Console.WriteLine($"wrote {s.Out}");
        return 0;
    }
}
