using Microsoft.EntityFrameworkCore;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Checkpoints;

/// <summary>
/// Archiving a checkpoint of the team (<see cref="Archiving"/>): the checkpoints page and the run form's pickers leave it out;
/// it still downloads by id, runs that use it keep it, and a run's page still lists it (marked). A shared checkpoint (the
/// released Disco103) belongs to no team and is not archived.
/// </summary>
public static class CheckpointArchiving
{
    public static async Task<ArchiveResult<Checkpoint>> SetAsync(PlatformDbContext db, Guid teamId, Guid id, bool archived, CancellationToken ct)
    {
        var visible = db.Checkpoints.AsNoTracking().Where(c => c.Id == id && (c.TeamId == null || c.TeamId == teamId));
        var checkpoint = await visible.SingleOrDefaultAsync(ct);
        if (checkpoint is null) return new(ArchiveOutcome.NotFound, null);
        if (checkpoint.TeamId is null)
            return new(ArchiveOutcome.Refused, null, "A shared checkpoint (the released Disco103 and other platform-wide ones) is not archived by a team.");
        var mine = db.Checkpoints.Where(c => c.Id == id && c.TeamId == teamId);
        if (archived)
            await mine.Where(c => c.ArchivedAt == null).ExecuteUpdateAsync(u => u.SetProperty(c => c.ArchivedAt, Archiving.Now()), ct);
        else
            await mine.ExecuteUpdateAsync(u => u.SetProperty(c => c.ArchivedAt, (DateTimeOffset?)null), ct);
        return new(ArchiveOutcome.Done, await visible.SingleAsync(ct));
    }
}
