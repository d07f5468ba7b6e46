using Microsoft.EntityFrameworkCore;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Sweeps;

/// <summary>
/// What deleting a sweep would do: its runs go with it, with their checkpoints, artifacts and metric points and the bytes
/// their files take; what outside the sweep cites them; <paramref name="Blocked"/> says why it cannot be deleted now.
/// </summary>
public sealed record SweepDeletionDto(Guid SweepId, string? Blocked, IReadOnlyList<CitationDto> Citations,
    int Runs, int Checkpoints, int Artifacts, long MetricPoints, long Bytes);

/// <summary>
/// Deleting a sweep and every one of its runs as one action (issue #19), on the rules of deleting a run: never while any of
/// its runs is queued or running, nor when a run or pipeline outside the sweep needs one of them; citations from outside
/// (a leaderboard, a re-run) are listed first and need the caller's <c>force</c>. The sweep's own link to its runs is not
/// a citation here. One transaction for every record; files after it commits.
/// </summary>
public sealed class SweepDeletion(PlatformDbContext db, RunDeletion runs)
{
    public async Task<SweepDeletionDto?> PreviewAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var sweep = await db.Sweeps.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, ct);
        return sweep is null ? null : await PreviewAsync(sweep, ct);
    }

    public async Task<(DeletionOutcome Outcome, SweepDeletionDto? Preview)> DeleteAsync(Guid teamId, Guid id, bool force, CancellationToken ct)
    {
        var sweep = await db.Sweeps.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, ct);
        if (sweep is null) return (DeletionOutcome.NotFound, null);
        var (preview, memberIds) = await PreviewWithMembersAsync(sweep, ct);
        if (preview.Blocked is not null) return (DeletionOutcome.Blocked, preview);
        if (preview.Citations.Count > 0 && !force) return (DeletionOutcome.NeedsForce, preview);
        await runs.RemoveAsync(memberIds, async () => await db.Sweeps.Where(s => s.Id == id).ExecuteDeleteAsync(ct), ct);
        return (DeletionOutcome.Deleted, preview);
    }

    private async Task<SweepDeletionDto> PreviewAsync(Sweep sweep, CancellationToken ct) => (await PreviewWithMembersAsync(sweep, ct)).Preview;

    private async Task<(SweepDeletionDto Preview, List<Guid> MemberIds)> PreviewWithMembersAsync(Sweep sweep, CancellationToken ct)
    {
        var members = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweep.Id && r.TeamId == sweep.TeamId).OrderBy(r => r.CreatedAt).ToListAsync(ct);
        // The sweep's own link to its runs is not a citation here: it goes with them.
        var set = await runs.PreviewAsync(members, ct);
        var citations = set.Citations.Where(c => c.Kind != Citations.Sweep).ToList();
        int active = members.Count(r => r.Status.IsActive());
        var blocked = set.Blocked(active > 0 ? $"{active} of its {members.Count} runs are still queued or running: cancel the sweep first." : null);
        var preview = new SweepDeletionDto(sweep.Id, blocked, citations, members.Count, set.Checkpoints, set.Artifacts, set.MetricPoints, set.Bytes);
        return (preview, [.. members.Select(r => r.Id)]);
    }
}
