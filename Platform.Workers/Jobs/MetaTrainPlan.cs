using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// <c>meta-train</c>: progress is meta-steps; every complete checkpoints/meta-step-*/meta_network.npz is registered as a
/// meta-network checkpoint while the run goes on and once more at the end; the final score is summary.json's
/// final_inner_return.
/// </summary>
public sealed class MetaTrainPlan : RunPlan
{
    private RunContext _context = null!;
    private MetaTrainRunSpec _spec = null!;
    private HashSet<long>? _registered;
    /// <summary>What the validations were last recorded from: they are read again only when one of these changes.</summary>
    private (long ValidationsLength, DateTime BestWritten, int Registered) _validationsRecorded;

    public static async Task<RunPlan> CreateAsync(RunContext context, MetaTrainRunSpec spec, PlatformDbContext db, CancellationToken ct)
    {
        var init = spec.InitMetaNetwork is { } id ? RuleReference.NpzPrefix + await context.Artifacts.ResolveMetaNetworkAsync(db, id, context.Run.TeamId, ct)
            : spec.Init is MetaTrainRunSpec.RandomInit or RuleCatalog.Disco103 ? spec.Init
            : throw new FormatException($"Unknown init '{spec.Init}' (random, disco103 or meta-network:ID).");
        var resume = HasCheckpoint(context.OutDir);
        return new MetaTrainPlan
        {
            _context = context, _spec = spec, Resume = resume,
            Arguments = ChildCommandLines.MetaTrain(spec, init, context.OutDir, resume, context.Device),
        };
    }

    public override async Task WhileRunningAsync(PlatformDbContext db)
    {
        _registered ??= (await db.Checkpoints.AsNoTracking()
            .Where(c => c.RunId == _context.Run.Id && c.Kind == CheckpointKind.MetaNetwork).Select(c => c.Step).ToListAsync()).ToHashSet();
        try
        {
            await _context.Artifacts.RegisterMetaNetworksAsync(db, _context.Run, _spec, _context.OutDir, _registered);
            var validations = new FileInfo(Path.Combine(_context.OutDir, RunFolderLayout.ValidationsFile));
            var seen = (validations.Exists ? validations.Length : -1,
                File.GetLastWriteTimeUtc(Path.Combine(_context.OutDir, RunFolderLayout.BestFolder, RunFolderLayout.BestFile)), _registered.Count);
            if (seen != _validationsRecorded)
            {
                await ArtifactRegistrar.RecordValidationsAsync(db, _context.Run, _context.OutDir);
                _validationsRecorded = seen;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Tried again at the next poll and at the end; a run that never gets one registered fails there.
            _context.Logger.LogWarning(ex, "Run {RunId}: could not register meta-network checkpoints yet", _context.Run.Id);
        }
    }

    public override async Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep)
    {
        var (score, steps) = await ReadSummaryAsync(_context.OutDir, RunFolderLayout.SummaryFinalInnerReturn, RunFolderLayout.SummaryMetaSteps);
        await WhileRunningAsync(db);
        currentStep = Math.Max(currentStep, steps ?? 0);
        return _registered!.Count == 0
            ? new RunOutcome(null, currentStep, "The meta-trainer exited 0 but wrote no meta-network checkpoint.")
            : new RunOutcome(score, currentStep);
    }
}
