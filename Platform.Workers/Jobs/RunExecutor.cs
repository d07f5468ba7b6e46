using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;
using Platform.Data.Runs;
using Platform.Data.Storage;

namespace Platform.Workers.Jobs;

/// <summary>The database and name a worker runs under.</summary>
public sealed record WorkerIdentity(string ConnectionString, string Name);

/// <summary>
/// Runs one platform run as a child process (<c>dotnet Platform.Workers.dll train|meta-train|evaluate ...</c>), so a
/// libtorch abort kills the child and not the worker: one executor per run across all workers (a PostgreSQL advisory
/// lock), the kind's <see cref="RunPlan"/> for the child's arguments and results, a <see cref="MetricsPump"/> while it
/// runs, a cancel request or shutdown stopping it (SIGTERM, SIGKILL after a grace period), and every status change
/// through <see cref="RunTransitions"/>. A run whose folder already has a checkpoint resumes from it — which is how a
/// run taken over from a dead worker continues.
/// </summary>
public sealed class RunExecutor(WorkerIdentity identity, IOptions<WorkerOptions> options, ILogger<RunExecutor> logger) : IRunExecutor
{
    private readonly WorkerOptions _options = options.Value;
    private readonly ArtifactStore _store = new(options.Value.StorageRoot);

    private PlatformDbContext Db() => PlatformDbContext.Create(identity.ConnectionString);

    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(identity.ConnectionString);
        await conn.OpenAsync(ct);
        await using var db = Db();
        if (!await TryLockAsync(conn, runId, ct))
        {
            // Another worker executes it — or a dead worker's session still holds the lock until PostgreSQL notices: retry
            // later (Hangfire's back-off) rather than complete a job whose run may then never resume.
            if (await db.Runs.Where(r => r.Id == runId).AnyAsync(RunActivity.Active, ct))
                throw new RunLockedException(runId);
            return;
        }
        try
        {
            await ExecuteLockedAsync(runId, conn, db, ct);
        }
        finally
        {
            // The connection goes back to Npgsql's pool, session and lock alive: unlock now, or a takeover by another worker
            // would find the lock held until the pool reuses or prunes the connection. (A dead worker's session ends with it.)
            await UnlockAsync(conn, runId);
        }
    }

    private async Task ExecuteLockedAsync(Guid runId, NpgsqlConnection conn, PlatformDbContext db, CancellationToken ct)
    {
        var transitions = new RunTransitions(db);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) { logger.LogWarning("Run {RunId} does not exist", runId); return; }
        if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled) return;
        if (run.CancelRequestedAt is not null) { await FinishAsync(transitions, run, RunStatus.Cancelled); return; }
        if (!await transitions.StartAsync(run, identity.Name, ct)) return; // cancelled meanwhile

        var outDir = _store.RunFolder(runId);
        Directory.CreateDirectory(outDir);
        var artifacts = new ArtifactRegistrar(_store, logger);
        RunPlan plan;
        try
        {
            plan = await RunPlan.CreateAsync(new RunContext(run, outDir, run.Queue == RunQueue.Gpu ? "cuda" : "cpu", artifacts, logger), db, ct);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or FileNotFoundException or InvalidDataException)
        {
            await FinishAsync(transitions, run, RunStatus.Failed, "Invalid run spec: " + ex.Message);
            return;
        }

        var trainer = _options.TrainerDll ?? typeof(RunExecutor).Assembly.Location;
        logger.LogInformation("Run {RunId}: {Mode} dotnet {Trainer} {Args}", runId, plan.Resume ? "resuming" : "starting", trainer, string.Join(' ', plan.Arguments));
        using var child = ChildProcess.Start("dotnet", [trainer, .. plan.Arguments], outDir, _options.ChildEnvironment(outDir));
        var provenance = new ProvenanceRecorder(runId, outDir, identity.Name, ["dotnet", trainer, .. plan.Arguments]);
        await provenance.RecordAsync(transitions);
        if (!child.DiesWithParent)
            logger.LogWarning("setpriv not found: the trainer of run {RunId} would outlive this worker if it were killed", runId);

        var pump = new MetricsPump(run, outDir, run.CurrentStep);
        var stop = await SuperviseAsync(child, run, plan, pump, provenance, db, conn, ct);
        var exitCode = await child.Exited;
        await pump.PumpAsync(db, conn);
        await provenance.RecordAsync(transitions);
        // Whatever the exit: what the child completed before it stopped (e.g. the checkpoint a SIGTERM wrote) is kept.
        await plan.WhileRunningAsync(db);
        if (pump.MalformedLines > 0) logger.LogWarning("Run {RunId}: {Count} malformed metrics lines skipped", runId, pump.MalformedLines);

        switch (stop)
        {
            case StopReason.Shutdown:
                // Leave the run running: Hangfire re-queues the job and the next worker resumes from the checkpoint.
                logger.LogInformation("Run {RunId}: stopped for shutdown (exit {Code}); it will resume elsewhere", runId, exitCode);
                throw new OperationCanceledException(ct);
            case StopReason.Cancel:
                await FinishAsync(transitions, run, RunStatus.Cancelled);
                return;
        }
        if (exitCode != 0)
        {
            var tail = string.Join('\n', child.StderrTail);
            await FinishAsync(transitions, run, RunStatus.Failed, $"The trainer exited with code {exitCode}{Describe(exitCode)}.\n{tail}".TrimEnd());
            return;
        }

        RunOutcome outcome;
        try
        {
            outcome = await plan.CompleteAsync(db, child, pump.CurrentStep);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            await FinishAsync(transitions, run, RunStatus.Failed, "The trainer exited 0 but its results are unreadable: " + ex.Message);
            return;
        }
        if (outcome.Error is not null) { await FinishAsync(transitions, run, RunStatus.Failed, outcome.Error); return; }
        if (run.Kind == RunKind.Train && await new ReplayRecorder(_options, logger).RecordAsync(runId, outDir, trainer, ct) is { } replay)
            await artifacts.RegisterReplayAsync(db, run, replay);
        await transitions.RecordProgressAsync(runId, outcome.CurrentStep);
        if (outcome.FinalScoreEpisodes is not null || outcome.TrainLevelsReturn is not null || outcome.TestLevelsReturn is not null)
            await transitions.RecordFinalEvaluationAsync(runId, outcome.FinalScoreEpisodes, outcome.TrainLevelsReturn, outcome.TestLevelsReturn);
        await FinishAsync(transitions, run, RunStatus.Succeeded, finalScore: outcome.FinalScore);
    }

    private enum StopReason { None, Cancel, Shutdown }

    /// <summary>Until the child exits: pump metrics, let the plan work, and stop the child on a cancel request or shutdown.</summary>
    private async Task<StopReason> SuperviseAsync(ChildProcess child, Run run, RunPlan plan, MetricsPump pump, ProvenanceRecorder provenance,
        PlatformDbContext db, NpgsqlConnection conn, CancellationToken ct)
    {
        var poll = TimeSpan.FromSeconds(_options.PollSeconds);
        var grace = TimeSpan.FromSeconds(_options.StopGraceSeconds);
        var transitions = new RunTransitions(db);
        DateTimeOffset? killAt = null;
        var stop = StopReason.None;
        try
        {
            while (!child.HasExited)
            {
                await Task.WhenAny(child.Exited, Task.Delay(poll, CancellationToken.None));
                await pump.PumpAsync(db, conn);
                await plan.WhileRunningAsync(db);
                await provenance.RecordAsync(transitions);

                if (stop == StopReason.None)
                {
                    stop = ct.IsCancellationRequested ? StopReason.Shutdown
                        : await transitions.CancelRequestedAsync(run.Id) ? StopReason.Cancel : StopReason.None;
                    if (stop != StopReason.None)
                    {
                        logger.LogInformation("Run {RunId}: {Why}; sending SIGTERM", run.Id, stop == StopReason.Cancel ? "cancel requested" : "worker shutting down");
                        child.Terminate();
                        killAt = DateTimeOffset.UtcNow + grace;
                    }
                }
                if (killAt is { } k && DateTimeOffset.UtcNow > k && !child.HasExited)
                {
                    logger.LogWarning("Run {RunId}: trainer ignored SIGTERM for {Grace}; killing it", run.Id, grace);
                    child.Kill();
                    killAt = null;
                }
            }
        }
        catch
        {
            child.Kill();
            throw;
        }
        return stop;
    }

    private async Task FinishAsync(RunTransitions transitions, Run run, RunStatus status, string? error = null, double? finalScore = null)
    {
        await transitions.FinishAsync(run, status, error, finalScore);
        logger.LogInformation("Run {RunId}: {Status}{Error}", run.Id, WireNames.ToWire(status), error is null ? "" : " — " + error.Split('\n')[0]);
    }

    private static string Describe(int exitCode) => exitCode switch
    {
        2 => " (invalid options)",
        130 => " (interrupted)",
        134 => " (aborted, SIGABRT)",
        137 => " (killed, SIGKILL)",
        139 => " (segmentation fault)",
        _ => "",
    };

    /// <summary>One executor per run across all workers: a session lock, released by PostgreSQL if this worker dies.</summary>
    private static async Task<bool> TryLockAsync(NpgsqlConnection conn, Guid runId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", conn);
        cmd.Parameters.AddWithValue("key", LockKey(runId));
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    private async Task UnlockAsync(NpgsqlConnection conn, Guid runId)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", conn);
            cmd.Parameters.AddWithValue("key", LockKey(runId));
            await cmd.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection is not returned to the pool: its session, and the lock, end with it.
            logger.LogWarning(ex, "Run {RunId}: could not release its lock explicitly", runId);
        }
    }

    /// <summary>The advisory lock's key (hashed by PostgreSQL's hashtextextended).</summary>
    public static string LockKey(Guid runId) => "run:" + runId;
}
