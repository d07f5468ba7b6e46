using Hangfire;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;
using Platform.Data.Runs;

namespace Platform.Api.Runs;

/// <summary>
/// The run (new, or the one an idempotency key already named), or why none was stored: the quota that refused it, or the
/// team's run that already has the name asked for (Run null).
/// </summary>
public sealed record SubmitResult(Run? Run, bool Created, QuotaRefusal? Refusal = null, Guid? NameTakenBy = null);

/// <summary>Run submission, listing and cancellation; every query is scoped to the caller's team.</summary>
public sealed class RunService(PlatformDbContext db, IBackgroundJobClient jobs, RunQuotas quotas, ILogger<RunService> logger)
{
    /// <summary>Tries at a generated name when concurrent submissions of the same kind of run keep taking the next number.</summary>
    private const int MaxNameAttempts = 100;

    /// <summary>
    /// Stores and enqueues a run — or returns the run an idempotency key already named, or why none was stored (the quota
    /// that refuses it, the run that has the name asked for). quotaChecked: the caller has checked the team's quotas for a
    /// request of several runs (a suite evaluation). name: the caller's choice (checked by <see cref="RunNames.Problem"/>);
    /// without one the run is named by <see cref="RunNames"/>.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(RunSpec spec, Guid teamId, Guid userId, string? idempotencyKey, CancellationToken ct,
        bool quotaChecked = false, Guid? rerunOf = null, Guid? sweepId = null, string? sweepPoint = null, Guid? pipelineId = null,
        string? name = null)
    {
        if (idempotencyKey is not null && await FindByKeyAsync(teamId, idempotencyKey, ct) is { } existing)
            return new SubmitResult(existing, false);
        if (!quotaChecked && await quotas.CheckAsync(teamId, [spec], ct) is { } refusal)
            return new SubmitResult(null, false, refusal);
        if (name is not null && await RunNames.HolderAsync(db, teamId, name, null, ct) is { } holder)
            return new SubmitResult(null, false, NameTakenBy: holder);

        var run = new Run
        {
            Id = Guid.CreateVersion7(),
            TeamId = teamId,
            CreatedByUserId = userId,
            Kind = spec.Kind,
            Status = RunStatus.Queued,
            Queue = spec.Queue,
            Spec = RunSpecJson.Serialize(spec),
            EnvironmentId = spec.Env,
            Rule = spec.ListedRule,
            Seed = spec.Seed,
            TotalSteps = spec.Steps,
            Tags = spec.Tags,
            MetaNetworkCheckpointId = spec.MetaNetworkCheckpointId,
            IdempotencyKey = idempotencyKey,
            RerunOfId = rerunOf,
            SweepId = sweepId,
            SweepPoint = sweepPoint,
            PipelineId = pipelineId,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        for (var attempt = 1; ; attempt++)
        {
            run.Name = name ?? await RunNames.NextAsync(db, teamId, RunNames.Stem(spec), ct);
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg)
            {
                if (pg.ConstraintName == Run.NameIndex)
                {
                    // A concurrent submission took the name between the check and the insert: a generated name moves on to
                    // the next number (each collision means another run was stored, so this ends; the bound is a backstop);
                    // a name the caller chose is refused as if it had been taken before.
                    if (name is null && attempt < MaxNameAttempts) continue;
                    db.Entry(run).State = EntityState.Detached;
                    return new SubmitResult(null, false, NameTakenBy: await RunNames.HolderAsync(db, teamId, run.Name, null, ct));
                }
                if (idempotencyKey is null) throw;
                // A concurrent request with the same key won the insert: answer with its run.
                db.Entry(run).State = EntityState.Detached;
                return new SubmitResult(await FindByKeyAsync(teamId, idempotencyKey, ct)
                                        ?? throw new InvalidOperationException("Idempotency key collided but no run found."), false);
            }
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
        await new RunTransitions(db).NotifyAsync(run);
        return new SubmitResult(run, true);
    }

    private Task<Run?> FindByKeyAsync(Guid teamId, string key, CancellationToken ct) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.TeamId == teamId && r.IdempotencyKey == key, ct);

    public Task<Run?> GetAsync(Guid teamId, Guid id, CancellationToken ct) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.TeamId == teamId, ct);

    /// <summary>
    /// Re-runs one of the team's runs: a new run with the original's stored spec (environment, rule, seed, every option it
    /// named, queue, tags), marked as its re-run, quota-checked like any submission. Null when the run is not the team's.
    /// </summary>
    public async Task<SubmitResult?> RerunAsync(Guid teamId, Guid userId, Guid id, CancellationToken ct)
    {
        if (await GetAsync(teamId, id, ct) is not { } original) return null;
        return await SubmitAsync(RunSpecJson.Deserialize(original.Spec), teamId, userId, null, ct, rerunOf: original.Id);
    }

    /// <summary>The run's metrics version if the run is the team's, else null (the scope check of a metric read).</summary>
    public Task<long?> MetricsVersionAsync(Guid teamId, Guid id, CancellationToken ct) =>
        db.Runs.Where(r => r.Id == id && r.TeamId == teamId).Select(r => (long?)r.MetricsVersion).FirstOrDefaultAsync(ct);

    public async Task<RunPage> ListAsync(Guid teamId, RunQuery q, CancellationToken ct)
    {
        var query = db.Runs.AsNoTracking().Where(r => r.TeamId == teamId);
        if (q.Env is not null) query = query.Where(r => r.EnvironmentId == q.Env);
        if (q.Rule is not null) query = query.Where(r => r.Rule == q.Rule);
        if (q.Status is { } status) query = query.Where(r => r.Status == status);
        if (q.Kind is { } kind) query = query.Where(r => r.Kind == kind);
        if (q.Tag is not null) query = query.Where(r => r.Tags.Contains(q.Tag));
        query = q.Archived ? query.Where(r => r.ArchivedAt != null) : query.Where(r => r.ArchivedAt == null);

        var total = await query.CountAsync(ct);
        var runs = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip((q.Page - 1) * q.PageSize).Take(q.PageSize).ToListAsync(ct);
        return new RunPage(runs.Select(r => RunDto.From(r)).ToList(), q.Page, q.PageSize, total);
    }

    public enum RenameOutcome { NotFound, Renamed, Taken }

    /// <summary>
    /// Gives the team's run <paramref name="name"/> (already checked by <see cref="RunNames.Problem"/>), unless another of
    /// the team's runs has it (Taken, with that run's id). Only the name column is written, so a worker's concurrent
    /// progress updates are not overwritten.
    /// </summary>
    public async Task<(RenameOutcome Outcome, Run? Run, Guid? Holder)> RenameAsync(Guid teamId, Guid id, string name, CancellationToken ct)
    {
        if (await GetAsync(teamId, id, ct) is null) return (RenameOutcome.NotFound, null, null);
        if (await RunNames.HolderAsync(db, teamId, name, id, ct) is { } holder) return (RenameOutcome.Taken, null, holder);
        try
        {
            await db.Runs.Where(r => r.Id == id && r.TeamId == teamId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Name, name), ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == Run.NameIndex)
        {
            return (RenameOutcome.Taken, null, await RunNames.HolderAsync(db, teamId, name, id, ct));
        }
        return (RenameOutcome.Renamed, await GetAsync(teamId, id, ct), null);
    }

    /// <summary>
    /// Archives (or brings back) a finished run of the team (<see cref="Archiving"/>). An active run is not archived (it would
    /// vanish while it runs). Only the archived column is written; archiving an archived run keeps its first time.
    /// </summary>
    public async Task<ArchiveResult<Run>> SetArchivedAsync(Guid teamId, Guid id, bool archived, CancellationToken ct)
    {
        var run = await GetAsync(teamId, id, ct);
        if (run is null) return new(ArchiveOutcome.NotFound, null);
        if (run.Status.IsActive()) return new(ArchiveOutcome.Refused, null, $"The run is {WireNames.ToWire(run.Status)}: only a finished run is archived.");
        var now = Archiving.Now();
        if (archived)
            await db.Runs.Where(r => r.Id == id && r.TeamId == teamId && r.ArchivedAt == null).ExecuteUpdateAsync(u => u.SetProperty(r => r.ArchivedAt, now), ct);
        else
            await db.Runs.Where(r => r.Id == id && r.TeamId == teamId).ExecuteUpdateAsync(u => u.SetProperty(r => r.ArchivedAt, (DateTimeOffset?)null), ct);
        return new(ArchiveOutcome.Done, await GetAsync(teamId, id, ct));
    }

    /// <summary>Cancels every queued or running run of the team that <paramref name="member"/> selects (a sweep's, a pipeline's), one by one.</summary>
    public async Task CancelActiveAsync(Guid teamId, System.Linq.Expressions.Expression<Func<Run, bool>> member, CancellationToken ct)
    {
        var active = await db.Runs.AsNoTracking().Where(r => r.TeamId == teamId).Where(RunActivity.Active)
            .Where(member).Select(r => r.Id).ToListAsync(ct);
        foreach (var runId in active) await CancelAsync(teamId, runId, ct);
    }

    public enum CancelOutcome { NotFound, Cancelled, Requested, AlreadyFinished }

    /// <summary>
    /// A queued run is cancelled at once (and its job deleted); a running one is flagged for its worker, which
    /// stops at its next check. The conditional update keeps this correct if a worker picks the run up meanwhile.
    /// </summary>
    public async Task<(CancelOutcome Outcome, Run? Run)> CancelAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var transitions = new RunTransitions(db);
        var cancelled = await transitions.CancelQueuedAsync(teamId, id, ct);
        if (!cancelled) await transitions.RequestCancelAsync(teamId, id, ct);

        var run = await GetAsync(teamId, id, ct);
        if (run is null) return (CancelOutcome.NotFound, null);
        if (cancelled && run.HangfireJobId is not null)
        {
            try { jobs.Delete(run.HangfireJobId); }
            catch (Exception ex) { logger.LogWarning(ex, "Could not delete job {JobId}; the worker will skip the cancelled run", run.HangfireJobId); }
        }
        return run.Status switch
        {
            RunStatus.Cancelled when cancelled => (CancelOutcome.Cancelled, run),
            RunStatus.Running => (CancelOutcome.Requested, run),
            _ => (CancelOutcome.AlreadyFinished, run),
        };
    }
}

/// <summary>A run list's filters; <paramref name="Archived"/>: archived runs only (true) or the others (false).</summary>
public sealed record RunQuery(string? Env, string? Rule, RunStatus? Status, RunKind? Kind, string? Tag, int Page, int PageSize, bool Archived = false);
