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

    /// <summary>What deleting these runs together would remove and what outside the set cites them.</summary>
    internal sealed record SetPreview(IReadOnlyList<CitationDto> Citations, int Checkpoints, int Artifacts, long MetricPoints, long Bytes)
    {
        /// <summary>Why the set cannot go now: <paramref name="active"/> (its runs still queued or running) first, then the first blocking citation.</summary>
        public string? Blocked(string? active) => active
            ?? (Citations.FirstOrDefault(c => c.Blocks) is { } blocking ? $"{blocking.Description} Delete or keep that first." : null);
    }

    /// <summary>
    /// The preview of deleting <paramref name="runs"/> (one team's) together, in a fixed number of queries whatever their
    /// number: a run of the set citing another is not a citation, and a citation many of them share (a leaderboard, a sweep)
    /// is said once.
    /// </summary>
    internal async Task<SetPreview> PreviewAsync(IReadOnlyList<Run> runs, CancellationToken ct)
    {
        if (runs.Count == 0) return new SetPreview([], 0, 0, 0, 0);
        var teamId = runs[0].TeamId;
        var ids = runs.Select(r => r.Id).ToList();
        var checkpoints = await db.Checkpoints.AsNoTracking().Where(c => c.RunId != null && ids.Contains(c.RunId.Value))
            .Select(c => new { c.Id, c.SizeBytes }).ToListAsync(ct);
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => ids.Contains(a.RunId)).Select(a => a.SizeBytes).ToListAsync(ct);
        var points = await db.MetricPoints.AsNoTracking().LongCountAsync(m => ids.Contains(m.RunId), ct);
        var citations = new List<CitationDto>();

        citations.AddRange(await Citations.RunsUsingAsync(db, teamId, checkpoints.Select(c => c.Id).ToList(), ids, ct));
        var checkpointIds = checkpoints.Select(c => (Guid?)c.Id).ToList();
        var pipelineIds = runs.Where(r => r.PipelineId is not null).Select(r => r.PipelineId!.Value).Distinct().ToList();
        var pipelines = await db.Pipelines.AsNoTracking()
            .Where(p => p.TeamId == teamId && (pipelineIds.Contains(p.Id) || ids.Contains(p.MetaTrainRunId)
                                               || checkpointIds.Contains(p.SelectedCheckpointId)))
            .Select(p => new { p.Id, p.Name }).ToListAsync(ct);
        citations.AddRange(pipelines.Select(p => new CitationDto(Citations.Pipeline, true, $"Pipeline '{p.Name}' is built on it.", p.Id)));

        foreach (var suite in runs.Where(r => r is { Kind: RunKind.Train, Status: RunStatus.Succeeded, FinalScore: not null }
                                              && EnvironmentCatalog.Contains(r.EnvironmentId))
                     .Select(r => EnvironmentCatalog.Get(r.EnvironmentId).Suite).Distinct())
            citations.Add(new CitationDto(Citations.Leaderboard, false, $"Its score is on the {suite} leaderboard; it leaves it.", null));
        var sweepIds = runs.Where(r => r.SweepId is not null).Select(r => r.SweepId!.Value).Distinct().ToList();
        if (sweepIds.Count > 0)
        {
            var sweeps = await db.Sweeps.AsNoTracking().Where(w => sweepIds.Contains(w.Id)).Select(w => new { w.Id, w.Name }).ToListAsync(ct);
            citations.AddRange(sweeps.Select(w => new CitationDto(Citations.Sweep, false, $"It is one of sweep '{w.Name}''s runs; the sweep's table loses it.", w.Id)));
        }
        var reruns = await db.Runs.AsNoTracking().Where(r => r.RerunOfId != null && ids.Contains(r.RerunOfId.Value) && !ids.Contains(r.Id))
            .OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.Name }).Take(20).ToListAsync(ct);
        citations.AddRange(reruns.Select(r => new CitationDto(Citations.Rerun, false,
            $"Run {r.Name ?? ShortIds.Of(r.Id)} is a re-run of it; it keeps its results but no longer links to it.", r.Id)));

        return new SetPreview(citations, checkpoints.Count, artifacts.Count, points, checkpoints.Sum(c => c.SizeBytes) + artifacts.Sum());
    }

    private async Task<RunDeletionDto> PreviewAsync(Run run, CancellationToken ct)
    {
        var set = await PreviewAsync([run], ct);
        var blocked = set.Blocked(run.Status.IsActive() ? $"The run is {WireNames.ToWire(run.Status)}: cancel it first." : null);
        return new RunDeletionDto(run.Id, blocked, set.Citations, set.Checkpoints, set.Artifacts, set.MetricPoints, set.Bytes);
    }
}
