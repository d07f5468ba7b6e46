using Platform.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Storage;

namespace Platform.Api.Runs;

/// <summary>
/// What deleting a run would do: the checkpoints, artifacts and metric points removed with it and the bytes their files
/// take; what cites it; <paramref name="Blocked"/> says why it cannot be deleted now (null: it can).
/// </summary>
public sealed record RunDeletionDto(Guid RunId, string? Blocked, IReadOnlyList<CitationDto> Citations,
    int Checkpoints, int Artifacts, long MetricPoints, long Bytes);

/// <summary>
/// Deleting a run for good (issue #19): its row, metric points, artifacts and checkpoints, and their files. Nothing is
/// deleted that another run or a pipeline still needs, nor a run still queued or running; what else cites it (a
/// leaderboard, a sweep, a re-run) is listed first and needs the caller's <c>force</c>. The database change is one
/// transaction; files go after it commits, so a failure leaves every record in place (at worst files without records).
/// </summary>
public sealed class RunDeletion(PlatformDbContext db, ArtifactStore store, ILogger<RunDeletion> logger)
{
    public async Task<RunDeletionDto?> PreviewAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id && r.TeamId == teamId, ct);
        return run is null ? null : await PreviewAsync(run, ct);
    }

    public async Task<(DeletionOutcome Outcome, RunDeletionDto? Preview)> DeleteAsync(Guid teamId, Guid id, bool force, CancellationToken ct)
    {
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id && r.TeamId == teamId, ct);
        if (run is null) return (DeletionOutcome.NotFound, null);
        var preview = await PreviewAsync(run, ct);
        if (preview.Blocked is not null) return (DeletionOutcome.Blocked, preview);
        if (preview.Citations.Count > 0 && !force) return (DeletionOutcome.NeedsForce, preview);

        await RemoveAsync([id], alsoInTransaction: null, ct);
        logger.LogInformation("Deleted run {RunId} ({Checkpoints} checkpoints, {Bytes} bytes)", id, preview.Checkpoints, preview.Bytes);
        return (DeletionOutcome.Deleted, preview);
    }

    /// <summary>
    /// Removes the runs' records (their checkpoints; metric points and artifacts by cascade; re-run and sweep links set null
    /// by their keys) and whatever else <paramref name="alsoInTransaction"/> removes, in one transaction; then their files.
    /// </summary>
    internal async Task RemoveAsync(IReadOnlyCollection<Guid> runIds, Func<Task>? alsoInTransaction, CancellationToken ct)
    {
        var ids = runIds.ToList();
        var files = await db.Checkpoints.Where(c => c.RunId != null && ids.Contains(c.RunId.Value)).Select(c => c.StorageUri)
            .Concat(db.Artifacts.Where(a => ids.Contains(a.RunId)).Select(a => a.StorageUri)).ToListAsync(ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Checkpoints.Where(c => c.RunId != null && ids.Contains(c.RunId.Value)).ExecuteDeleteAsync(ct);
            await db.Runs.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync(ct);
            if (alsoInTransaction is not null) await alsoInTransaction();
            await tx.CommitAsync(ct);
        }
        foreach (var location in files) StoredFiles.TryDelete(logger, location, () => store.DeleteFile(location));
        foreach (var id in ids) StoredFiles.TryDelete(logger, store.RunFolder(id), () => store.DeleteRunFolder(id));
    }

    internal async Task<RunDeletionDto> PreviewAsync(Run run, CancellationToken ct)
    {
        var checkpoints = await db.Checkpoints.AsNoTracking().Where(c => c.RunId == run.Id)
            .Select(c => new { c.Id, c.SizeBytes }).ToListAsync(ct);
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => a.RunId == run.Id).Select(a => a.SizeBytes).ToListAsync(ct);
        var points = await db.MetricPoints.AsNoTracking().LongCountAsync(m => m.RunId == run.Id, ct);
        var citations = new List<CitationDto>();

        citations.AddRange(await Citations.RunsUsingAsync(db, run.TeamId, checkpoints.Select(c => c.Id).ToList(), run.Id, ct));
        var checkpointIds = checkpoints.Select(c => (Guid?)c.Id).ToList();
        var pipelines = await db.Pipelines.AsNoTracking()
            .Where(p => p.TeamId == run.TeamId && (p.Id == run.PipelineId || p.MetaTrainRunId == run.Id || checkpointIds.Contains(p.SelectedCheckpointId)))
            .Select(p => new { p.Id, p.Name }).ToListAsync(ct);
        citations.AddRange(pipelines.Select(p => new CitationDto(Citations.Pipeline, true, $"Pipeline '{p.Name}' is built on it.", p.Id)));

        if (run is { Kind: RunKind.Train, Status: RunStatus.Succeeded, FinalScore: not null } && EnvironmentCatalog.Contains(run.EnvironmentId))
        {
            var suite = EnvironmentCatalog.Get(run.EnvironmentId).Suite;
            citations.Add(new CitationDto(Citations.Leaderboard, false, $"Its score is on the {suite} leaderboard; it leaves it.", null));
        }
        if (run.SweepId is { } sweepId)
        {
            var name = await db.Sweeps.AsNoTracking().Where(s => s.Id == sweepId).Select(s => s.Name).SingleOrDefaultAsync(ct);
            citations.Add(new CitationDto(Citations.Sweep, false, $"It is one of sweep '{name}''s runs; the sweep's table loses it.", sweepId));
        }
        var reruns = await db.Runs.AsNoTracking().Where(r => r.RerunOfId == run.Id).Select(r => new { r.Id, r.Name }).Take(20).ToListAsync(ct);
        citations.AddRange(reruns.Select(r => new CitationDto(Citations.Rerun, false,
            $"Run {r.Name ?? ShortIds.Of(r.Id)} is a re-run of it; it keeps its results but no longer links to it.", r.Id)));

        string? blocked = run.Status is RunStatus.Queued or RunStatus.Running
            ? $"The run is {WireNames.ToWire(run.Status)}: cancel it first."
            : citations.FirstOrDefault(c => c.Blocks) is { } blocking
                ? $"{blocking.Description} Delete or keep that first."
                : null;
        return new RunDeletionDto(run.Id, blocked, citations, checkpoints.Count, artifacts.Count, points,
            checkpoints.Sum(c => c.SizeBytes) + artifacts.Sum());
    }
}
