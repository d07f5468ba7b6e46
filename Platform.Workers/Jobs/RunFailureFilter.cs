using Hangfire.States;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>Thrown when another worker holds a run's lock: the job is retried later rather than completed.</summary>
public sealed class RunLockedException(Guid runId) : Exception($"Run {runId} is being executed by another worker (its lock is held).");

/// <summary>
/// When Hangfire gives up on a run's job — its retries exhausted, or none allowed — the run is marked failed with the
/// reason, so a run whose executor keeps throwing (database trouble, a full disk, an unreadable storage root) never
/// stays "running" for ever. A job that failed only because another worker holds the run's lock leaves the run to it.
/// </summary>
public sealed class RunFailureFilter(string connectionString, ILogger logger) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is not FailedState failed || failed.Exception is RunLockedException) return;
        if (context.BackgroundJob.Job?.Args is not [Guid runId, ..]) return;
        try
        {
            using var db = PlatformDbContext.Create(connectionString);
            var run = db.Runs.AsNoTracking().FirstOrDefault(r => r.Id == runId);
            if (run is null) return;
            var reason = $"The worker gave up on the run: {failed.Exception.GetType().Name}: {failed.Exception.Message}";
            if (new RunTransitions(db).FinishAsync(run, RunStatus.Failed, reason).GetAwaiter().GetResult())
                logger.LogError("Run {RunId}: failed after its job's retries — {Reason}", runId, reason);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            logger.LogError(ex, "Run {RunId}: could not mark it failed", runId);
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction) { }
}
