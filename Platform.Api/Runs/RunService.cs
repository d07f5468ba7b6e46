using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Api.Infrastructure;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;

namespace Platform.Api.Runs;

public sealed record SubmitResult(Run Run, bool Created);

/// <summary>Run submission, listing and cancellation; every query is scoped to the caller's team.</summary>
public sealed class RunService(PlatformDbContext db, IBackgroundJobClient jobs, ILogger<RunService> logger)
{
    public async Task<SubmitResult> SubmitAsync(RunSpec spec, Guid teamId, Guid userId, string? idempotencyKey, CancellationToken ct)
    {
        if (idempotencyKey is not null && await FindByKeyAsync(teamId, idempotencyKey, ct) is { } existing)
            return new SubmitResult(existing, false);

        var run = new Run
        {
            Id = Guid.CreateVersion7(),
            TeamId = teamId,
            CreatedByUserId = userId,
            Kind = spec.Kind,
            Status = RunStatus.Queued,
            Queue = spec.Queue,
            Spec = JsonSerializer.Serialize(spec, ApiJson.Strict),
            EnvironmentId = spec.Env,
            Rule = spec.Rule,
            Seed = spec.Seed,
            TotalSteps = spec.Steps,
            Tags = spec.Tags,
            MetaNetworkCheckpointId = spec.MetaNetworkCheckpointId,
            IdempotencyKey = idempotencyKey,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (idempotencyKey is not null && ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent request with the same key won the insert: answer with its run.
            db.Entry(run).State = EntityState.Detached;
            return new SubmitResult(await FindByKeyAsync(teamId, idempotencyKey, ct)
                                    ?? throw new InvalidOperationException("Idempotency key collided but no run found."), false);
        }

        try
        {
            var runId = run.Id;
            run.HangfireJobId = jobs.Enqueue<IRunExecutor>(PlatformJobStorage.QueueName(run.Queue),
                x => x.ExecuteAsync(runId, CancellationToken.None));
        }
        catch (Exception ex)
        {
            // The row exists but no worker will ever see it: fail it visibly rather than leave it queued forever.
            logger.LogError(ex, "Could not enqueue run {RunId}", run.Id);
            run.Status = RunStatus.Failed;
            run.Error = "Could not enqueue the run: " + ex.Message;
            run.FinishedAt = DateTimeOffset.UtcNow;
        }
        await db.SaveChangesAsync(CancellationToken.None);
        await NotifyStatusAsync(run);
        return new SubmitResult(run, true);
    }

    /// <summary>
    /// NOTIFY run_status, as workers do on their status changes, so live pages (the team's runs table) see a new or
    /// cancelled run at once. Best effort: the change is stored either way.
    /// </summary>
    private async Task NotifyStatusAsync(Run run)
    {
        try
        {
            var payload = ProgressChannels.Serialize(new ProgressNotice(run.Id, run.TeamId));
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_notify({ProgressChannels.Status}, {payload})", CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not notify the status of run {RunId}", run.Id);
        }
    }

    private Task<Run?> FindByKeyAsync(Guid teamId, string key, CancellationToken ct) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.TeamId == teamId && r.IdempotencyKey == key, ct);

    public Task<Run?> GetAsync(Guid teamId, Guid id, CancellationToken ct) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.TeamId == teamId, ct);

    /// <summary>Where the run's newest agent checkpoint is stored (its folder also holds the run's replay), or null.</summary>
    public Task<string?> NewestAgentCheckpointAsync(Guid runId, CancellationToken ct) =>
        db.Checkpoints.AsNoTracking().Where(c => c.RunId == runId && c.Kind == CheckpointKind.Agent)
            .OrderByDescending(c => c.Step).Select(c => c.StorageUri).FirstOrDefaultAsync(ct);

    public async Task<RunPage> ListAsync(Guid teamId, RunQuery q, CancellationToken ct)
    {
        var query = db.Runs.AsNoTracking().Where(r => r.TeamId == teamId);
        if (q.Env is not null) query = query.Where(r => r.EnvironmentId == q.Env);
        if (q.Rule is not null) query = query.Where(r => r.Rule == q.Rule);
        if (q.Status is { } status) query = query.Where(r => r.Status == status);
        if (q.Kind is { } kind) query = query.Where(r => r.Kind == kind);
        if (q.Tag is not null) query = query.Where(r => r.Tags.Contains(q.Tag));

        var total = await query.CountAsync(ct);
        var runs = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip((q.Page - 1) * q.PageSize).Take(q.PageSize).ToListAsync(ct);
        return new RunPage(runs.Select(RunDto.From).ToList(), q.Page, q.PageSize, total);
    }

    public enum CancelOutcome { NotFound, Cancelled, Requested, AlreadyFinished }

    /// <summary>
    /// A queued run is cancelled at once (and its job deleted); a running one is flagged for its worker, which
    /// stops at its next check. The conditional update keeps this correct if a worker picks the run up meanwhile.
    /// </summary>
    public async Task<(CancelOutcome Outcome, Run? Run)> CancelAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var cancelled = await db.Runs
            .Where(r => r.Id == id && r.TeamId == teamId && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Cancelled)
                .SetProperty(r => r.CancelRequestedAt, now).SetProperty(r => r.FinishedAt, now), ct);
        if (cancelled == 0)
            await db.Runs
                .Where(r => r.Id == id && r.TeamId == teamId && r.Status == RunStatus.Running && r.CancelRequestedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequestedAt, now), ct);

        var run = await GetAsync(teamId, id, ct);
        if (run is null) return (CancelOutcome.NotFound, null);
        if (cancelled > 0) await NotifyStatusAsync(run);
        if (cancelled > 0 && run.HangfireJobId is not null)
        {
            try { jobs.Delete(run.HangfireJobId); }
            catch (Exception ex) { logger.LogWarning(ex, "Could not delete job {JobId}; the worker will skip the cancelled run", run.HangfireJobId); }
        }
        return run.Status switch
        {
            RunStatus.Cancelled when cancelled > 0 => (CancelOutcome.Cancelled, run),
            RunStatus.Running => (CancelOutcome.Requested, run),
            _ => (CancelOutcome.AlreadyFinished, run),
        };
    }
}

public sealed record RunQuery(string? Env, string? Rule, RunStatus? Status, RunKind? Kind, string? Tag, int Page, int PageSize);
