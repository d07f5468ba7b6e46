using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Data;
using Platform.Data.Jobs;

namespace Platform.Workers.Jobs;

/// <summary>
/// Every worker looks, every <see cref="WorkerOptions.ReapSeconds"/>, for runs still marked running whose Hangfire job no
/// longer exists or has reached a final state (succeeded, failed, deleted) without the run being finished — a job
/// deleted by hand, a worker that died between finishing its job and its run — and marks them failed with the reason.
/// A run whose job is enqueued, scheduled, awaiting or processing is never touched: a takeover will resume it.
/// </summary>
public sealed class OrphanedRunReaper(WorkerIdentity identity, IOptions<WorkerOptions> options, ILogger<OrphanedRunReaper> logger) : BackgroundService
{
    public const string Reason = "Orphaned: the run was still marked running, but its job has ended or no longer exists.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, options.Value.ReapSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reaped = await ReapAsync(identity.ConnectionString, stoppingToken);
                if (reaped > 0) logger.LogWarning("Marked {Count} orphaned running run(s) failed", reaped);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not look for orphaned runs; trying again later");
            }
            try { await Task.Delay(period, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <returns>How many runs were marked failed (each announced with NOTIFY run_status).</returns>
    public static async Task<int> ReapAsync(string connectionString, CancellationToken ct)
    {
        await using var db = PlatformDbContext.Create(connectionString);
        var orphans = await db.Database.SqlQueryRaw<OrphanRow>("""
            UPDATE runs r SET status = 'failed', error = {0}, finished_at = now()
            WHERE r.status = 'running' AND NOT EXISTS (
                SELECT 1 FROM hangfire.job j
                WHERE j.id::text = r.hangfire_job_id AND j.statename IN ('Enqueued', 'Scheduled', 'Awaiting', 'Processing'))
            RETURNING r.id AS run_id, r.team_id AS team_id
            """.Replace("hangfire.", PlatformJobStorage.Schema + ".", StringComparison.Ordinal), Reason).ToListAsync(ct);
        foreach (var orphan in orphans)
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT pg_notify({ProgressChannels.Status}, {ProgressChannels.Serialize(new ProgressNotice(orphan.RunId, orphan.TeamId))})", ct);
        return orphans.Count;
    }

    public sealed record OrphanRow(Guid RunId, Guid TeamId);
}
