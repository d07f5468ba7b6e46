using Platform.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Storage;

namespace Platform.Api.Checkpoints;

/// <summary>What deleting a checkpoint would do: the bytes its file frees and what cites it; Blocked says why it cannot go now.</summary>
public sealed record CheckpointDeletionDto(Guid CheckpointId, string? Blocked, IReadOnlyList<CitationDto> Citations, long Bytes);

/// <summary>
/// Deleting one checkpoint and its file (issue #19), e.g. an uploaded meta-network or a run's intermediate checkpoint to
/// free space. Never a shared checkpoint (the released Disco103), one a run uses (its agent, its meta-network) or a
/// pipeline's selected rule; a run's own checkpoint only with force (its page loses the download).
/// </summary>
public sealed class CheckpointDeletion(PlatformDbContext db, ArtifactStore store, ILogger<CheckpointDeletion> logger)
{
    public async Task<CheckpointDeletionDto?> PreviewAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var checkpoint = await db.Checkpoints.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id && (c.TeamId == null || c.TeamId == teamId), ct);
        if (checkpoint is null) return null;
        if (checkpoint.TeamId is null)
            return new CheckpointDeletionDto(id, "A shared checkpoint (the released Disco103 and other platform-wide ones) cannot be deleted by a team.", [], checkpoint.SizeBytes);

        var citations = await Citations.RunsUsingAsync(db, teamId, [id], checkpoint.RunId is { } source ? [source] : [], ct);
        var pipelines = await db.Pipelines.AsNoTracking().Where(p => p.TeamId == teamId && p.SelectedCheckpointId == id)
            .Select(p => new { p.Id, p.Name }).ToListAsync(ct);
        citations.AddRange(pipelines.Select(p => new CitationDto(Citations.Pipeline, true, $"Pipeline '{p.Name}' selected it as its rule.", p.Id)));
        if (checkpoint.RunId is { } runId)
        {
            var name = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => r.Name).SingleOrDefaultAsync(ct);
            citations.Add(new CitationDto(Citations.Source, false, $"Run {name ?? ShortIds.Of(runId)} made it; its page loses this checkpoint.", runId));
        }
        var blocked = citations.FirstOrDefault(c => c.Blocks) is { } b ? $"{b.Description} Delete or keep that first." : null;
        return new CheckpointDeletionDto(id, blocked, citations, checkpoint.SizeBytes);
    }

    public async Task<(DeletionOutcome Outcome, CheckpointDeletionDto? Preview)> DeleteAsync(Guid teamId, Guid id, bool force, CancellationToken ct)
    {
        var preview = await PreviewAsync(teamId, id, ct);
        if (preview is null) return (DeletionOutcome.NotFound, null);
        if (preview.Blocked is not null) return (DeletionOutcome.Blocked, preview);
        if (preview.Citations.Count > 0 && !force) return (DeletionOutcome.NeedsForce, preview);
        var checkpoint = await db.Checkpoints.SingleAsync(c => c.Id == id, ct);
        db.Checkpoints.Remove(checkpoint);
        await db.SaveChangesAsync(ct);
        StoredFiles.TryDelete(logger, checkpoint.StorageUri, () => store.DeleteFile(checkpoint.StorageUri));
        logger.LogInformation("Deleted checkpoint {CheckpointId} ({Bytes} bytes)", id, checkpoint.SizeBytes);
        return (DeletionOutcome.Deleted, preview);
    }
}
