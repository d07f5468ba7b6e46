using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Data;
using Platform.Data.Runs;

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
        return await new RunTransitions(db).FailOrphanedAsync(Reason, ct);
    }
}
