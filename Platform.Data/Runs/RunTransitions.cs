using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Data.Entities;
using Platform.Data.Jobs;

namespace Platform.Data.Runs;

/// <summary>
/// Every change of a run's status, in one place for the API and the workers. Each is one conditional UPDATE, so two
/// parties racing (a cancel and a worker picking the run up, two workers after a takeover) cannot both win, and each
/// change that happened is announced with NOTIFY run_status (after it is stored).
/// <code>
/// queued ──start──▶ running ──finish──▶ succeeded | failed | cancelled
///    └───────cancel (at once)──────────▶ cancelled      running ──request cancel──▶ (worker stops it) cancelled
/// </code>
/// </summary>
public sealed class RunTransitions(PlatformDbContext db)
{
    /// <summary>queued (or running, on a takeover) → running on <paramref name="worker"/>; false when the run is no longer active.</summary>
    public async Task<bool> StartAsync(Run run, string worker, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var changed = await db.Runs.Where(r => r.Id == run.Id).Where(RunActivity.Active)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.WorkerName, worker)
                .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now), ct);
        if (changed > 0) await NotifyAsync(run);
        return changed > 0;
    }

    /// <summary>An active run → <paramref name="status"/> (succeeded, failed or cancelled) with its error or final score.</summary>
    public async Task<bool> FinishAsync(Run run, RunStatus status, string? error = null, double? finalScore = null)
    {
        if (status.IsActive()) throw new ArgumentException($"{status} is not a final status", nameof(status));
        var now = DateTimeOffset.UtcNow;
        var changed = await db.Runs.Where(r => r.Id == run.Id).Where(RunActivity.Active)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinalScore, finalScore).SetProperty(r => r.FinishedAt, now), CancellationToken.None);
        if (changed > 0) await NotifyAsync(run);
        return changed > 0;
    }

    /// <summary>A queued run of the team → cancelled at once; false when it is not queued (any more).</summary>
    public async Task<bool> CancelQueuedAsync(Guid teamId, Guid runId, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var changed = await db.Runs.Where(r => r.Id == runId && r.TeamId == teamId && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Cancelled)
                .SetProperty(r => r.CancelRequestedAt, now).SetProperty(r => r.FinishedAt, now), ct);
        if (changed > 0) await NotifyAsync(runId, teamId);
        return changed > 0;
    }

    /// <summary>A running run of the team is flagged; its worker sees the flag within a poll and stops the trainer.</summary>
    public Task<int> RequestCancelAsync(Guid teamId, Guid runId, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        return db.Runs.Where(r => r.Id == runId && r.TeamId == teamId && r.Status == RunStatus.Running && r.CancelRequestedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequestedAt, now), ct);
    }

    /// <summary>Whether the run has been asked to stop (or was cancelled while queued).</summary>
    public Task<bool> CancelRequestedAsync(Guid runId, CancellationToken ct = default) =>
        db.Runs.AnyAsync(r => r.Id == runId && (r.CancelRequestedAt != null || r.Status == RunStatus.Cancelled), ct);

    /// <summary>Progress only moves forward (a resumed trainer re-sends steps since its checkpoint).</summary>
    /// <summary>
    /// A train run's end-of-run evaluation: how many episodes its final score rests on, and (ProcGen) the final policy's
    /// returns on its training levels and on unseen test levels.
    /// </summary>
    public Task<int> RecordFinalEvaluationAsync(Guid runId, int? episodes, double? trainLevels, double? testLevels) =>
        db.Runs.Where(r => r.Id == runId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.FinalScoreEpisodes, episodes)
                .SetProperty(r => r.FinalReturnTrainLevels, trainLevels).SetProperty(r => r.FinalReturnTestLevels, testLevels),
                CancellationToken.None);

    public Task<int> RecordProgressAsync(Guid runId, long step) =>
        db.Runs.Where(r => r.Id == runId && r.CurrentStep < step)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CurrentStep, step), CancellationToken.None);

    /// <summary>
    /// Runs still marked running whose Hangfire job has ended (succeeded, failed, deleted) or no longer exists → failed with
    /// <paramref name="reason"/>. A run whose job is enqueued, scheduled, awaiting or processing is left to its takeover.
    /// </summary>
    /// <returns>How many runs were failed.</returns>
    public async Task<int> FailOrphanedAsync(string reason, CancellationToken ct)
    {
        var orphans = await db.Database.SqlQueryRaw<OrphanRow>("""
            UPDATE runs r SET status = 'failed', error = {0}, finished_at = now()
            WHERE r.status = 'running' AND NOT EXISTS (
                SELECT 1 FROM hangfire.job j
                WHERE j.id::text = r.hangfire_job_id AND j.statename IN ('Enqueued', 'Scheduled', 'Awaiting', 'Processing'))
            RETURNING r.id AS run_id, r.team_id AS team_id
            """.Replace("hangfire.", PlatformJobStorage.Schema + ".", StringComparison.Ordinal), reason).ToListAsync(ct);
        foreach (var orphan in orphans) await NotifyAsync(orphan.RunId, orphan.TeamId);
        return orphans.Count;
    }

    private sealed record OrphanRow(Guid RunId, Guid TeamId);

    /// <summary>Stores the run's provenance record (JSON; <see cref="RunProvenanceKeys"/>), replacing any earlier one.</summary>
    public Task RecordProvenanceAsync(Guid runId, string json) =>
        db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Provenance, json));

    /// <summary>NOTIFY run_status for a run whose row just changed (a new run, too). Best effort: the change is stored either way.</summary>
    public Task NotifyAsync(Run run) => NotifyAsync(run.Id, run.TeamId);

    private async Task NotifyAsync(Guid runId, Guid teamId)
    {
        try
        {
            var payload = ProgressChannels.Serialize(new ProgressNotice(runId, teamId));
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_notify({ProgressChannels.Status}, {payload})", CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Listeners that miss it read the run from the API on their next refresh.
        }
    }
}
