using Platform.Data;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// <c>inspect</c>: the agent checkpoint is unpacked as for an evaluation and <c>inspect-rule</c> writes the run's
/// inspection.json, registered as the run's inspection artifact. A meta-network rule becomes npz:&lt;its file in the store&gt;.
/// </summary>
public sealed class InspectPlan : RunPlan
{
    private RunContext _context = null!;
    private string _report = "";

    public static async Task<RunPlan> CreateAsync(RunContext context, InspectRunSpec spec, PlatformDbContext db, CancellationToken ct)
    {
        var checkpointDir = await context.Artifacts.UnpackAgentCheckpointAsync(db, spec.AgentCheckpointId, context.Run.TeamId, context.OutDir, ct);
        var rule = spec.Rule.MetaNetworkId is { } id ? RuleReference.NpzPrefix + await context.Artifacts.ResolveMetaNetworkAsync(db, id, context.Run.TeamId, ct)
            : spec.Rule.Kind == RuleKind.Named ? spec.Rule.ToString()
            : throw new FormatException($"The run's rule '{spec.Rule}' is not one a platform run may use.");
        var report = Path.Combine(context.OutDir, RunFolderLayout.InspectionFile);
        return new InspectPlan { _context = context, _report = report, Arguments = ChildCommandLines.Inspect(spec, checkpointDir, rule, report, context.Device) };
    }

    public override async Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep)
    {
        if (!File.Exists(_report)) return new RunOutcome(null, currentStep, $"inspect-rule exited 0 without writing {RunFolderLayout.InspectionFile}.");
        await _context.Artifacts.RegisterInspectionAsync(db, _context.Run, _report);
        return new RunOutcome(null, Math.Max(currentStep, _context.Run.TotalSteps));
    }
}
