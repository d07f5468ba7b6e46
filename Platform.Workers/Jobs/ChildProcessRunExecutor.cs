using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;

namespace Platform.Workers.Jobs;

/// <summary>The database and name a worker runs under.</summary>
public sealed record WorkerIdentity(string ConnectionString, string Name);

/// <summary>
/// Runs one platform run as a child process (<c>dotnet Platform.Workers.dll train|meta-train|evaluate ...</c>), so a
/// libtorch abort kills the child and not the worker. While it runs: new lines of metrics.jsonl go to metric_points (stored
/// first, then NOTIFY run_metrics), the run's progress is updated, and a cancel request stops the child
/// (SIGTERM, SIGKILL after a grace period). A run whose out folder already has a checkpoint resumes from it —
/// which is how a run taken over from a dead worker continues.
/// </summary>
public sealed class ChildProcessRunExecutor(WorkerIdentity identity, IOptions<WorkerOptions> options, ILogger<ChildProcessRunExecutor> logger)
    : IRunExecutor
{
    private const int MetricBatch = 5000;
    private readonly WorkerOptions _options = options.Value;

    private PlatformDbContext Db() => PlatformDbContext.Create(identity.ConnectionString);

    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(identity.ConnectionString);
        await conn.OpenAsync(ct);

        // One executor per run across all workers: a session lock, released by PostgreSQL if this worker dies.
        if (!await TryLockAsync(conn, runId, ct))
        {
            logger.LogWarning("Run {RunId} is already being executed by another worker; skipping this job", runId);
            return;
        }

        Run? run;
        await using (var db = Db()) run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) { logger.LogWarning("Run {RunId} does not exist", runId); return; }
        if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled) return;
        if (run.CancelRequestedAt is not null)
        {
            await FinishAsync(conn, run, RunStatus.Cancelled, null, null);
            return;
        }

        var marked = await ExecAsync(conn, """
            UPDATE runs SET status = 'running', worker_name = @worker, started_at = coalesce(started_at, now())
            WHERE id = @id AND status IN ('queued', 'running')
            """, ct, ("worker", identity.Name), ("id", runId));
        if (marked == 0) return; // cancelled meanwhile
        await NotifyStatusAsync(conn, run);

        var outDir = Path.GetFullPath(Path.Combine(_options.RunsDirectory, runId.ToString()));
        Directory.CreateDirectory(outDir);
        var gpu = run.Queue == RunQueue.Gpu;
        RunPlan plan;
        try
        {
            plan = run.Kind switch
            {
                RunKind.Train => await TrainPlanAsync(run, outDir, gpu, ct),
                RunKind.MetaTrain => await MetaTrainPlanAsync(run, outDir, gpu, ct),
                RunKind.Evaluate => await EvaluatePlanAsync(run, outDir, gpu, ct),
                _ => throw new FormatException($"Run kind '{WireNames.ToWire(run.Kind)}' is not supported by this worker."),
            };
        }
        catch (Exception ex) when (ex is FormatException or JsonException or FileNotFoundException or InvalidDataException)
        {
            await FinishAsync(conn, run, RunStatus.Failed, "Invalid run spec: " + ex.Message, null);
            return;
        }

        var args = plan.Args;
        var trainer = _options.TrainerDll ?? typeof(ChildProcessRunExecutor).Assembly.Location;
        logger.LogInformation("Run {RunId}: {Mode} dotnet {Trainer} {Args}", runId, plan.Resume ? "resuming" : "starting", trainer, string.Join(' ', args));

        using var child = ChildProcess.Start("dotnet", [trainer, .. args], outDir);
        if (!child.DiesWithParent)
            logger.LogWarning("setpriv not found: the trainer of run {RunId} would outlive this worker if it were killed", runId);

        var tailer = new MetricsFileTailer(Path.Combine(outDir, "metrics.jsonl"));
        await using var db2 = Db();
        var poll = TimeSpan.FromSeconds(_options.PollSeconds);
        var grace = TimeSpan.FromSeconds(_options.StopGraceSeconds);
        DateTimeOffset? killAt = null;
        bool cancelRequested = false, shuttingDown = false;
        long currentStep = run.CurrentStep;
        try
        {
            while (!child.HasExited)
            {
                await Task.WhenAny(child.Exited, Task.Delay(poll, CancellationToken.None));
                currentStep = await PumpMetricsAsync(db2, conn, run, tailer, currentStep);
                await plan.WhileRunningAsync(db2);

                if (!cancelRequested && !shuttingDown)
                {
                    if (ct.IsCancellationRequested) shuttingDown = true;
                    else if (await CancelRequestedAsync(conn, runId)) cancelRequested = true;
                    if (cancelRequested || shuttingDown)
                    {
                        logger.LogInformation("Run {RunId}: {Why}; sending SIGTERM", runId, cancelRequested ? "cancel requested" : "worker shutting down");
                        child.Terminate();
                        killAt = DateTimeOffset.UtcNow + grace;
                    }
                }
                if (killAt is { } k && DateTimeOffset.UtcNow > k && !child.HasExited)
                {
                    logger.LogWarning("Run {RunId}: trainer ignored SIGTERM for {Grace}; killing it", runId, grace);
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

        var exitCode = await child.Exited;
        currentStep = await PumpMetricsAsync(db2, conn, run, tailer, currentStep);
        // Whatever the exit: what the child completed before it stopped (e.g. the checkpoint a SIGTERM wrote) is kept.
        await plan.WhileRunningAsync(db2);
        if (tailer.MalformedLines > 0) logger.LogWarning("Run {RunId}: {Count} malformed metrics lines skipped", runId, tailer.MalformedLines);

        if (shuttingDown)
        {
            // Leave the run running: Hangfire re-queues the job and the next worker resumes from the checkpoint.
            logger.LogInformation("Run {RunId}: stopped for shutdown (exit {Code}); it will resume elsewhere", runId, exitCode);
            throw new OperationCanceledException(ct);
        }
        if (cancelRequested)
        {
            await FinishAsync(conn, run, RunStatus.Cancelled, null, null);
            return;
        }
        if (exitCode != 0)
        {
            var tail = string.Join('\n', child.StderrTail);
            await FinishAsync(conn, run, RunStatus.Failed, $"The trainer exited with code {exitCode}{Describe(exitCode)}.\n{tail}".TrimEnd(), null);
            return;
        }

        Outcome outcome;
        try
        {
            outcome = await plan.CompleteAsync(db2, child, currentStep);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            await FinishAsync(conn, run, RunStatus.Failed, "The trainer exited 0 but its results are unreadable: " + ex.Message, null);
            return;
        }
        if (outcome.Error is not null)
        {
            await FinishAsync(conn, run, RunStatus.Failed, outcome.Error, null);
            return;
        }
        if (run.Kind == RunKind.Train) await RecordReplayAsync(runId, outDir, trainer, ct);
        await ExecAsync(conn, "UPDATE runs SET current_step = greatest(current_step, @step) WHERE id = @id", CancellationToken.None,
            ("step", outcome.CurrentStep), ("id", runId));
        await FinishAsync(conn, run, RunStatus.Succeeded, null, outcome.FinalScore);
    }

    /// <summary>
    /// Best effort: records the final policy as <see cref="RunReplay.FileName"/> in the run's folder with the
    /// <c>replay</c> verb in a child process (bounded frames and time). Any failure is logged and ignored: the run
    /// has succeeded whether or not it has a replay.
    /// </summary>
    private async Task RecordReplayAsync(Guid runId, string outDir, string trainer, CancellationToken ct)
    {
        if (_options.ReplayFrames <= 0 || LatestCheckpoint(outDir) is null) return;
        var args = RunReplay.Arguments(outDir, _options.ReplayFrames);
        try
        {
            using var child = ChildProcess.Start("dotnet", [trainer, .. args], outDir);
            var limit = Task.Delay(TimeSpan.FromSeconds(_options.ReplayTimeoutSeconds), ct);
            if (await Task.WhenAny(child.Exited, limit) != child.Exited)
            {
                child.Kill();
                logger.LogWarning("Run {RunId}: replay not recorded ({Why})", runId, ct.IsCancellationRequested ? "worker shutting down" : $"took over {_options.ReplayTimeoutSeconds} s");
                return;
            }
            var code = await child.Exited;
            if (code == 0) logger.LogInformation("Run {RunId}: replay recorded ({Frames} frames)", runId, _options.ReplayFrames);
            else logger.LogWarning("Run {RunId}: replay not recorded, exit {Code}: {Tail}", runId, code, string.Join('\n', child.StderrTail.TakeLast(5)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Run {RunId}: replay not recorded", runId);
        }
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

    /// <summary>Stores the lines appended since the last call (idempotently), then notifies; returns the newest step.</summary>
    private async Task<long> PumpMetricsAsync(PlatformDbContext db, NpgsqlConnection conn, Run run, MetricsFileTailer tailer, long currentStep)
    {
        var lines = tailer.ReadNew();
        if (lines.Count == 0) return currentStep;
        var points = lines.SelectMany(l => l.Values.Select(v => new MetricPoint { RunId = run.Id, Name = v.Key, Step = l.Step, Value = v.Value, WallTime = l.Time })).ToList();
        var added = 0;
        foreach (var chunk in points.Chunk(MetricBatch))
            added += await MetricWriter.AppendAsync(db, run.Id, chunk);
        var maxStep = Math.Max(currentStep, lines.Max(l => l.Step));
        await ExecAsync(conn, "UPDATE runs SET current_step = greatest(current_step, @step) WHERE id = @id", CancellationToken.None,
            ("step", maxStep), ("id", run.Id));
        if (added > 0)
            await ProgressChannels.NotifyAsync(conn, ProgressChannels.Metrics,
                new ProgressNotice(run.Id, run.TeamId, lines.Min(l => l.Step), lines.Max(l => l.Step)));
        return maxStep;
    }

    private static async Task<bool> CancelRequestedAsync(NpgsqlConnection conn, Guid runId)
    {
        await using var cmd = new NpgsqlCommand("SELECT cancel_requested_at IS NOT NULL OR status = 'cancelled' FROM runs WHERE id = @id", conn);
        cmd.Parameters.AddWithValue("id", runId);
        return await cmd.ExecuteScalarAsync() is true;
    }

    private async Task FinishAsync(NpgsqlConnection conn, Run run, RunStatus status, string? error, double? finalScore)
    {
        await ExecAsync(conn, """
            UPDATE runs SET status = @status, error = @error, final_score = @score, finished_at = now()
            WHERE id = @id AND status IN ('queued', 'running')
            """, CancellationToken.None, ("status", WireNames.ToWire(status)), ("error", (object?)error ?? DBNull.Value),
            ("score", (object?)finalScore ?? DBNull.Value), ("id", run.Id));
        await NotifyStatusAsync(conn, run);
        logger.LogInformation("Run {RunId}: {Status}{Error}", run.Id, WireNames.ToWire(status), error is null ? "" : " — " + error.Split('\n')[0]);
    }

    private static Task NotifyStatusAsync(NpgsqlConnection conn, Run run) =>
        ProgressChannels.NotifyAsync(conn, ProgressChannels.Status, new ProgressNotice(run.Id, run.TeamId));

    /// <summary>How a run ended, as far as the run's kind can tell: its final score and step, or why it failed.</summary>
    private sealed record Outcome(double? FinalScore, long CurrentStep, string? Error = null);

    /// <summary>What differs between run kinds: the child's arguments, work while it runs, and what its exit 0 means.</summary>
    private sealed class RunPlan(IReadOnlyList<string> args, bool resume, Func<PlatformDbContext, ChildProcess, long, Task<Outcome>> complete,
        Func<PlatformDbContext, Task>? whileRunning = null)
    {
        public IReadOnlyList<string> Args { get; } = args;
        public bool Resume { get; } = resume;
        public Task WhileRunningAsync(PlatformDbContext db) => whileRunning?.Invoke(db) ?? Task.CompletedTask;
        public Task<Outcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep) => complete(db, child, currentStep);
    }

    /// <summary><c>train</c>: final score from summary.json's final_return; the newest checkpoint is zipped and registered.</summary>
    private async Task<RunPlan> TrainPlanAsync(Run run, string outDir, bool gpu, CancellationToken ct)
    {
        var spec = TrainSpec.Parse(run.Spec);
        var rule = await ResolveRuleAsync(run, spec.Rule, ct);
        var resume = LatestCheckpoint(outDir) is not null;
        return new RunPlan(TrainCommandLine.Build(spec, rule, outDir, resume, gpu), resume, async (db, _, currentStep) =>
        {
            double? finalScore = null;
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "summary.json"), CancellationToken.None));
            if (summary.RootElement.TryGetProperty("final_return", out var fr) && fr.ValueKind == JsonValueKind.Number) finalScore = fr.GetDouble();
            if (summary.RootElement.TryGetProperty("steps", out var st) && st.TryGetInt64(out var steps)) currentStep = Math.Max(currentStep, steps);
            await RegisterAgentCheckpointAsync(db, run, outDir);
            return new Outcome(finalScore, currentStep);
        });
    }

    /// <summary>
    /// <c>meta-train</c>: progress is meta-steps; every complete checkpoints/meta-step-*/meta_network.npz is registered as a
    /// meta-network checkpoint while the run goes on and once more at the end; the final score is summary.json's
    /// final_inner_return.
    /// </summary>
    private async Task<RunPlan> MetaTrainPlanAsync(Run run, string outDir, bool gpu, CancellationToken ct)
    {
        var spec = MetaTrainSpec.Parse(run.Spec);
        var init = run.MetaNetworkCheckpointId is not null ? await ResolveRuleAsync(run, spec.Init, ct)
            : spec.Init is "random" or "disco103" ? spec.Init
            : throw new FormatException($"Unknown init '{spec.Init}' (random, disco103 or a meta-network checkpoint).");
        var resume = LatestCheckpoint(outDir) is not null;
        HashSet<long>? registered = null;
        async Task Register(PlatformDbContext db)
        {
            registered ??= (await db.Checkpoints.AsNoTracking()
                .Where(c => c.RunId == run.Id && c.Kind == CheckpointKind.MetaNetwork).Select(c => c.Step).ToListAsync()).ToHashSet();
            try
            {
                await RegisterMetaNetworksAsync(db, run, spec, outDir, registered);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Tried again at the next poll and at the end; a run that never gets one registered fails there.
                logger.LogWarning(ex, "Run {RunId}: could not register meta-network checkpoints yet", run.Id);
            }
        }
        return new RunPlan(MetaTrainCommandLine.Build(spec, init, outDir, resume, gpu), resume, async (db, _, currentStep) =>
        {
            double? finalScore = null;
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "summary.json"), CancellationToken.None));
            if (summary.RootElement.TryGetProperty("final_inner_return", out var fr) && fr.ValueKind == JsonValueKind.Number) finalScore = fr.GetDouble();
            if (summary.RootElement.TryGetProperty("meta_steps", out var st) && st.TryGetInt64(out var steps)) currentStep = Math.Max(currentStep, steps);
            await Register(db);
            if (registered!.Count == 0) return new Outcome(null, currentStep, "The meta-trainer exited 0 but wrote no meta-network checkpoint.");
            return new Outcome(finalScore, currentStep);
        }, Register);
    }

    /// <summary>
    /// <c>evaluate</c>: the agent checkpoint (the registered zip, its SHA-256 checked) is unpacked under the run's folder
    /// beside its training run's run.json, then evaluated; the last output line's mean return is the final score, also
    /// stored as the metric mean_return at step = episodes.
    /// </summary>
    private async Task<RunPlan> EvaluatePlanAsync(Run run, string outDir, bool gpu, CancellationToken ct)
    {
        var spec = EvaluateSpec.Parse(run.Spec);
        Checkpoint? checkpoint;
        await using (var db = Db())
            checkpoint = await db.Checkpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == spec.AgentCheckpointId && c.Kind == CheckpointKind.Agent
                                                                                    && (c.TeamId == null || c.TeamId == run.TeamId), ct);
        if (checkpoint is null) throw new FileNotFoundException($"Agent checkpoint {spec.AgentCheckpointId} no longer exists.");
        var zip = StoragePaths.Resolve(checkpoint.StorageUri);
        var config = Path.Combine(Path.GetDirectoryName(zip)!, "run.json");
        if (!File.Exists(zip)) throw new FileNotFoundException($"The agent checkpoint's file {zip} is missing.");
        if (!File.Exists(config)) throw new FileNotFoundException($"The agent checkpoint's training configuration {config} is missing.");
        string sha;
        await using (var file = File.OpenRead(zip)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        if (sha != checkpoint.Sha256.Trim()) throw new InvalidDataException($"The agent checkpoint's file does not match its recorded SHA-256 ({zip}).");

        // evaluate wants a checkpoint folder whose grandparent holds run.json: <out>/agent/checkpoints/checkpoint/.
        var agentDir = Path.Combine(outDir, "agent");
        var checkpointDir = Path.Combine(agentDir, "checkpoints", "checkpoint");
        if (Directory.Exists(agentDir)) Directory.Delete(agentDir, recursive: true);
        Directory.CreateDirectory(checkpointDir);
        ZipFile.ExtractToDirectory(zip, checkpointDir);
        File.Copy(config, Path.Combine(agentDir, "run.json"));

        return new RunPlan(EvaluateCommandLine.Build(spec, checkpointDir, gpu), false, async (db, child, currentStep) =>
        {
            if (EvaluateCommandLine.ParseResult(child.StdoutTail) is not { } result)
                return new Outcome(null, currentStep, "evaluate exited 0 without its last line 'mean_return=<x> episodes=<k>':\n"
                                                      + string.Join('\n', child.StdoutTail.TakeLast(5)));
            await MetricWriter.AppendAsync(db, run.Id, [new MetricPoint
            {
                RunId = run.Id, Name = "mean_return", Step = result.Episodes, Value = result.MeanReturn, WallTime = DateTimeOffset.UtcNow,
            }]);
            return new Outcome(result.MeanReturn, Math.Max(currentStep, result.Episodes));
        });
    }

    /// <summary>
    /// Registers each complete meta-network checkpoint not yet registered: a folder counts once checkpoints/latest names it
    /// or a later one (the meta-trainer writes a folder fully, then points latest at it). Its meta_network.npz is copied to
    /// meta-networks/&lt;folder&gt;.npz in the run's folder (so pruning old checkpoint folders cannot take it away) and
    /// recorded: kind meta-network, step, size, SHA-256, path, the run's team, and the environments it was meta-trained on.
    /// </summary>
    private async Task RegisterMetaNetworksAsync(PlatformDbContext db, Run run, MetaTrainSpec spec, string outDir, HashSet<long> registered)
    {
        if (LatestCheckpoint(outDir) is not { } latest || MetaTrainCommandLine.StepOf(latest) is not { } newest) return;
        var found = Directory.EnumerateDirectories(Path.Combine(outDir, "checkpoints"), MetaTrainSpec.CheckpointPrefix + "*")
            .Select(d => (Folder: d, Step: MetaTrainCommandLine.StepOf(Path.GetFileName(d))))
            .Where(x => x.Step is { } s && s <= newest && !registered.Contains(s))
            .OrderBy(x => x.Step).ToList();
        foreach (var (folder, step) in found)
        {
            var source = Path.Combine(folder, MetaTrainSpec.NetworkFile);
            var target = Path.Combine(outDir, "meta-networks", Path.GetFileName(folder) + ".npz");
            try
            {
                if (!File.Exists(target))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    var temp = target + ".tmp";
                    File.Copy(source, temp, overwrite: true);
                    File.Move(temp, target, overwrite: true);
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // pruned by the meta-trainer meanwhile
            }
            string sha;
            await using (var file = File.OpenRead(target)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
            db.Checkpoints.Add(new Checkpoint
            {
                Id = Guid.CreateVersion7(), Kind = CheckpointKind.MetaNetwork, RunId = run.Id, TeamId = run.TeamId,
                Name = $"meta-train {string.Join('+', spec.Envs)} seed {spec.Seed} meta-step {step}", Step = step!.Value,
                SizeBytes = new FileInfo(target).Length, Sha256 = sha, StorageUri = target, CreatedAt = DateTimeOffset.UtcNow,
                MetaTrainedOn = [.. spec.Envs],
            });
            await db.SaveChangesAsync();
            registered.Add(step.Value);
            logger.LogInformation("Run {RunId}: registered meta-network checkpoint at meta-step {Step}", run.Id, step);
        }
    }

    /// <summary>A meta-network checkpoint named by the run becomes <c>npz:&lt;its file&gt;</c>; other rules pass through.</summary>
    private async Task<string> ResolveRuleAsync(Run run, string rule, CancellationToken ct)
    {
        if (run.MetaNetworkCheckpointId is not { } id) return rule;
        await using var db = Db();
        var checkpoint = await db.Checkpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
                         ?? throw new FileNotFoundException($"Meta-network checkpoint {id} no longer exists.");
        return "npz:" + StoragePaths.Resolve(checkpoint.StorageUri);
    }

    /// <summary>The name of the newest complete checkpoint (checkpoints/latest), or null.</summary>
    public static string? LatestCheckpoint(string outDir) => Learning.RunFolder.LatestCheckpointName(outDir);

    /// <summary>Packs the newest checkpoint folder as a zip beside it and records it (kind agent, SHA-256, size, path).</summary>
    private async Task RegisterAgentCheckpointAsync(PlatformDbContext db, Run run, string outDir)
    {
        var name = LatestCheckpoint(outDir);
        if (name is null) { logger.LogWarning("Run {RunId} succeeded without a checkpoint", run.Id); return; }
        var step = long.TryParse(name.StartsWith("step-", StringComparison.Ordinal) ? name[5..] : name, out var s) ? s : run.TotalSteps;
        var zip = Path.Combine(outDir, $"agent-{name}.zip");
        if (!File.Exists(zip))
        {
            var temp = zip + ".tmp";
            File.Delete(temp);
            ZipFile.CreateFromDirectory(Path.Combine(outDir, "checkpoints", name), temp, CompressionLevel.Optimal, includeBaseDirectory: false);
            File.Move(temp, zip, overwrite: true);
        }
        string sha;
        await using (var file = File.OpenRead(zip)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        if (await db.Checkpoints.AnyAsync(c => c.RunId == run.Id && c.Kind == CheckpointKind.Agent && c.Step == step)) return;
        db.Checkpoints.Add(new Checkpoint
        {
            Id = Guid.CreateVersion7(), Kind = CheckpointKind.Agent, RunId = run.Id, TeamId = run.TeamId,
            Name = $"{run.EnvironmentId} {run.Rule} seed {run.Seed} {name}", Step = step,
            SizeBytes = new FileInfo(zip).Length, Sha256 = sha, StorageUri = zip, CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection conn, Guid runId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", conn);
        cmd.Parameters.AddWithValue("key", "run:" + runId);
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    private static async Task<int> ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Checkpoint storage paths as the API resolves them: absolute paths and file:// URIs as they are.</summary>
public static class StoragePaths
{
    public static string Resolve(string storageUri, string storageRoot = ".local/storage")
    {
        if (Uri.TryCreate(storageUri, UriKind.Absolute, out var uri) && uri.IsFile) return uri.LocalPath;
        if (Path.IsPathRooted(storageUri)) return storageUri;
        return Path.GetFullPath(Path.Combine(Path.GetFullPath(storageRoot), storageUri));
    }
}
