using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Progress;
using Platform.Data.Entities;
using Platform.Data.Runs;
using Platform.Tests.Api;
using Platform.Workers.Jobs;

namespace Platform.Tests.Jobs;

/// <summary>
/// A real worker process on the real queue: API → Hangfire (PostgreSQL) → worker → child trainer → database →
/// SignalR. No stand-ins: where the trainer is needed and absent, the test is skipped and says so.
/// </summary>
public class WorkerTests(WorkerFixture fx) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task TrainerFailureMarksRunFailedWithStderrTail()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        // The gpu queue on a machine whose libtorch has no CUDA: the trainer refuses --device cuda and exits 2 (invalid
        // options) — a real failure of a real child. (Every option the API accepts, the trainer accepts too.)
        var runId = await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "actor-critic", steps = 1000, seed = 1, queue = "gpu" });
        using var worker = fx.StartWorker("w-failure", queues: "gpu");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromSeconds(90), worker);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("w-failure", run.WorkerName);
        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.FinishedAt);
        Assert.StartsWith("The trainer exited with code 2 (invalid options).", run.Error);
        Assert.True(run.Error!.Split('\n').Length > 1, "The error carries the trainer's stderr: " + run.Error);
    }

    [Fact]
    public async Task ARunWhoseExecutorKeepsThrowingEndsFailedWithTheReasonNotRunningForEver()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var runId = await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 1000, seed = 4, queue = "gpu" });
        // A storage root the worker cannot create run folders under (it is a file): the executor throws after marking the
        // run running, on every attempt. With no retries allowed, Hangfire fails the job at once, and the run with it.
        var notADirectory = Path.Combine(fx.StorageRoot, "not-a-directory");
        Directory.CreateDirectory(fx.StorageRoot);
        await File.WriteAllTextAsync(notADirectory, "a file, not a folder");
        using var worker = new WorkerProcess(fx.ConnectionString, notADirectory, "w-throws", queues: "gpu",
            settings: new Dictionary<string, string> { ["Platform__JobRetryAttempts"] = "0" });
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromSeconds(90), worker);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.StartsWith("The worker gave up on the run: ", run.Error);
        Assert.Contains("not-a-directory", run.Error);
        Assert.NotNull(run.FinishedAt);
    }

    [TrainerFact]
    public async Task AProcGenRunReportsItsReturnsOnTrainingAndOnUnseenLevels()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "procgen/maze", rule = "actor-critic", steps = 400, seed = 3,
            hyperparameters = new Dictionary<string, object> { ["net"] = "small", ["batch"] = 8, ["replay-ratio"] = 8, ["train-levels"] = 3 },
        });
        // The worker's thread setting, without the test script's OMP_NUM_THREADS to inherit: the trainer gets 1 thread where
        // torch alone would take every core (torch caps the count at the cores, so 1 is the value that tells them apart).
        using var worker = new WorkerProcess(fx.ConnectionString, fx.StorageRoot, "w-procgen",
            settings: new Dictionary<string, string> { ["Platform__TorchThreads"] = "1", [WorkerOptions.ThreadsVariable] = "" });
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(3), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        Assert.NotNull(run.FinalReturnTrainLevels);
        Assert.NotNull(run.FinalReturnTestLevels);
        var dto = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/runs/{runId}"));
        Assert.Equal(run.FinalReturnTestLevels!.Value, dto.GetProperty("finalReturnTestLevels").GetDouble(), 9);
        Assert.Equal(run.FinalReturnTrainLevels!.Value, dto.GetProperty("finalReturnTrainLevels").GetDouble(), 9);
        // The final score is the end-of-run evaluation on the training levels, and says how many episodes it rests on.
        Assert.Equal(run.FinalReturnTrainLevels!.Value, run.FinalScore!.Value, 9);
        Assert.Equal(TrainOptions.FinalEvaluationEpisodes, run.FinalScoreEpisodes);
        Assert.Equal(TrainOptions.FinalEvaluationEpisodes, dto.GetProperty("finalScoreEpisodes").GetInt32());

        // Provenance (issue #16): the trainer's record with the worker's name and the exact child command line.
        var provenance = dto.GetProperty("provenance");
        foreach (var key in RunProvenanceKeys.All)
            Assert.True(provenance.TryGetProperty(key, out _), $"provenance lacks {key}: {provenance}");
        Assert.Equal("w-procgen", provenance.GetProperty(RunProvenanceKeys.Worker).GetString());
        Assert.Matches("^[0-9a-f]{40}$", provenance.GetProperty(RunProvenanceKeys.GitCommit).GetString());
        Assert.Equal("cpu", provenance.GetProperty(RunProvenanceKeys.Device).GetString());
        Assert.Equal(3, provenance.GetProperty(RunProvenanceKeys.Seed).GetInt64());
        Assert.Equal(1, provenance.GetProperty(RunProvenanceKeys.Threads).GetInt32());
        var commandLine = provenance.GetProperty(RunProvenanceKeys.CommandLine).GetString()!;
        Assert.StartsWith("dotnet ", commandLine);
        Assert.Contains(" train ", commandLine);
        Assert.Contains("--seed 3", commandLine);
        // The resolved configuration has every default filled in, the options the submission left out included.
        var config = provenance.GetProperty(RunProvenanceKeys.Config);
        Assert.Equal("procgen/maze", config.GetProperty("env").GetString());
        Assert.Equal(3, config.GetProperty("train_levels").GetInt32());
        Assert.True(config.GetProperty("learning_rate").GetDouble() > 0);
        Assert.True(config.GetProperty("rollout_length").GetInt32() > 0);
        // A list of runs leaves it out (it is one run's read).
        var listed = (await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/runs?pageSize=100"))).GetProperty("items")
            .EnumerateArray().Single(r => r.GetProperty("id").GetGuid() == runId);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listed.GetProperty("provenance").ValueKind);
    }

    [TrainerFact]
    public async Task AnUploadedMetaNetworkTrainsARunWhenApiAndWorkerRunInDifferentFolders()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        // The API stores the upload under its storage root, at a location relative to it; the worker (in a working
        // directory of its own, WorkerProcess) must find it through the same storage root.
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Platform.Tests.Checkpoints.CheckpointTestFiles.UniqueMetaNetwork());
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "uploaded.npz");
        form.Add(new StringContent("uploaded for a run"), "name");
        var uploaded = await HttpAssertions.ReadJsonAsync(await client.PostAsync("/api/checkpoints", form), HttpStatusCode.Created);
        var metaNetwork = uploaded.GetProperty("id").GetGuid();
        await using (var db = fx.Db())
            Assert.False(Path.IsPathRooted((await db.Checkpoints.SingleAsync(c => c.Id == metaNetwork)).StorageUri), "stored locations are relative to the store");

        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "catch/5x5", rule = $"meta-network:{metaNetwork}", steps = 400, seed = 2,
            hyperparameters = new Dictionary<string, object> { ["net"] = "small", ["batch"] = 8, ["replay-ratio"] = 8 },
        });
        using var worker = fx.StartWorker("w-storage");
        Assert.NotEqual(Path.GetFullPath(Directory.GetCurrentDirectory()), worker.WorkingDirectory);
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(3), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        Assert.Equal($"meta-network:{metaNetwork}", run.Rule);
        Assert.Equal(metaNetwork, run.MetaNetworkCheckpointId);
        // The trainer loaded the uploaded file from the store: its run.json names it.
        var config = await File.ReadAllTextAsync(Path.Combine(fx.RunsDirectory, runId.ToString(), Platform.Data.Runs.RunFolderLayout.RunFile));
        Assert.Contains(Path.Combine(fx.StorageRoot, Platform.Data.Storage.ArtifactStore.UploadLocation(metaNetwork)), config);
        // Its agent checkpoint is a row with a location relative to the store, served by the API.
        await using (var db = fx.Db())
        {
            var agent = await db.Checkpoints.SingleAsync(c => c.RunId == runId && c.Kind == CheckpointKind.Agent);
            Assert.StartsWith($"runs/{runId}/", agent.StorageUri);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/checkpoints/{agent.Id}/download")).StatusCode);
        }
    }

    [TrainerFact]
    public async Task CatchRunEndToEnd()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        await fx.App.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30));

        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "catch/5x5", rule = "actor-critic", steps = 6000, seed = 3,
            hyperparameters = new Dictionary<string, object> { ["checkpoint-every"] = 2000, ["net"] = "small" },
        });

        var live = new List<LivePoint>();
        var statuses = new List<RunStatus>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(fx.BaseAddress, ProgressHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(fx.TeamA.ApiKey))
            .Build();
        hub.On<MetricsMessage>("metrics", m => { lock (live) live.AddRange(m.Points); });
        hub.On<System.Text.Json.JsonElement>("status", s => { lock (statuses) statuses.Add(Platform.Data.WireNames.Parse<RunStatus>(s.GetProperty("status").GetString()!)); });
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", runId);

        using var worker = fx.StartWorker("w-e2e");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(4), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        Assert.NotNull(run.FinalScore);
        Assert.True(run.CurrentStep >= 6000);

        // Metrics in the database, and the same points live over SignalR.
        await using var db = fx.Db();
        var stored = await db.MetricPoints.Where(p => p.RunId == runId && p.Name == "episode_return").OrderBy(p => p.Step).ToListAsync();
        Assert.NotEmpty(stored);
        // Relayed after storing: allow the relay a moment on a busy machine.
        for (var i = 0; i < 150; i++)
        {
            lock (statuses) if (statuses.Contains(RunStatus.Succeeded)) break;
            await Task.Delay(100);
        }
        lock (live)
        {
            var liveReturns = live.Where(p => p.Name == "episode_return").Select(p => p.Step).Distinct().ToHashSet();
            Assert.NotEmpty(liveReturns);
            Assert.Subset(stored.Select(p => p.Step).ToHashSet(), liveReturns);
        }
        lock (statuses) Assert.Contains(RunStatus.Succeeded, statuses);

        // The checkpoint downloads with the recorded SHA-256.
        var checkpoints = await WorkerFixture.GetJsonAsync(client, $"/api/checkpoints?runId={runId}");
        var checkpoint = Assert.Single(checkpoints.EnumerateArray());
        var response = await client.GetAsync($"/api/checkpoints/{checkpoint.GetProperty("id").GetGuid()}/download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(checkpoint.GetProperty("sha256").GetString(), sha);
        Assert.Equal(sha, response.Headers.GetValues("X-Checksum-Sha256").Single());

        // The worker recorded a replay of the final policy; the API serves it to the run's team only.
        var replay = await client.GetAsync($"/api/runs/{runId}/replay");
        Assert.True(replay.StatusCode == HttpStatusCode.OK, $"{replay.StatusCode}: {await replay.Content.ReadAsStringAsync()}\n{worker.Log}");
        Assert.Equal("image/gif", replay.Content.Headers.ContentType?.MediaType);
        var gif = await replay.Content.ReadAsByteArrayAsync();
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        Assert.Equal(gif, await File.ReadAllBytesAsync(Path.Combine(fx.RunsDirectory, runId.ToString(), Platform.Data.Runs.RunFolderLayout.ReplayFile)));
        Assert.Contains("replay recorded", worker.Log);
        using (var teamB = fx.Client(fx.TeamB.ApiKey))
            Assert.Equal(HttpStatusCode.NotFound, (await teamB.GetAsync($"/api/runs/{runId}/replay")).StatusCode);

        // The leaderboard shows it, with its CI.
        var board = await WorkerFixture.GetJsonAsync(client, "/api/leaderboards/catch");
        var aggregate = board.GetProperty("aggregates").EnumerateArray().Single(a => a.GetProperty("rule").GetString() == "actor-critic" && a.GetProperty("steps").GetInt64() == 6000);
        Assert.Contains(runId, aggregate.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));
        var iqm = aggregate.GetProperty("iqm").GetDouble();
        Assert.InRange(iqm, aggregate.GetProperty("ciLow").GetDouble(), aggregate.GetProperty("ciHigh").GetDouble());
        Assert.Equal((run.FinalScore!.Value + 0.6) / 1.6, iqm, 9);
    }

    [TrainerFact]
    public async Task KilledWorkerRunResumesFromCheckpointWithoutLosingOrDuplicatingPoints()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "catch/5x5", rule = "actor-critic", steps = 12000, seed = 5,
            hyperparameters = new Dictionary<string, object> { ["checkpoint-every"] = 3000 },
        });
        var outDir = Path.Combine(fx.RunsDirectory, runId.ToString());

        long stepAtKill;
        using (var first = fx.StartWorker("w-doomed"))
        {
            // Wait for a checkpoint, then kill -9 the worker mid-run.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (Platform.Workers.Learning.RunFolder.LatestCheckpointName(outDir) is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "No checkpoint after 2 minutes:\n" + first.Log);
                await Task.Delay(200);
            }
            var trainerPids = TrainerPids(outDir);
            Assert.NotEmpty(trainerPids);
            first.KillHard();
            stepAtKill = (await fx.WaitForRunAsync(runId, _ => true, TimeSpan.FromSeconds(5))).CurrentStep;
            // The trainer dies with its worker (pdeathsig).
            for (var i = 0; i < 50 && trainerPids.Any(p => Directory.Exists($"/proc/{p}")); i++) await Task.Delay(100);
            Assert.DoesNotContain(trainerPids, p => Directory.Exists($"/proc/{p}"));
        }
        Assert.Equal(RunStatus.Running, (await fx.WaitForRunAsync(runId, _ => true, TimeSpan.FromSeconds(5))).Status);
        Assert.True(stepAtKill < 12000);

        using var second = fx.StartWorker("w-rescuer");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(4), second);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + second.Log);
        Assert.Equal("w-rescuer", run.WorkerName);
        Assert.Contains("resuming", second.Log);

        // No point lost or duplicated. Every line the trainer's metrics.jsonl holds is stored, each step once (the
        // key is (run, name, step)); the trainer logs every K learner iterations counted from where it (re)started,
        // so the grid may shift by less than one interval at the resume point, but never skips one.
        await using var db = fx.Db();
        var steps = await db.MetricPoints.Where(p => p.RunId == runId && p.Name == "episode_return").OrderBy(p => p.Step).Select(p => p.Step).ToListAsync();
        Assert.Equal(steps.Count, steps.Distinct().Count());
        var logged = new Platform.Workers.Jobs.MetricsFileTailer(Path.Combine(outDir, "metrics.jsonl")).ReadNew()
            .Where(l => l.Values.Any(v => v.Key == "episode_return")).Select(l => l.Step).ToHashSet();
        Assert.Subset(steps.ToHashSet(), logged);
        var intervals = steps.Zip(steps.Skip(1), (a, b) => b - a).Order().ToList();
        var typical = intervals[intervals.Count / 2];
        for (var i = 1; i < steps.Count; i++)
            Assert.True(steps[i] - steps[i - 1] < 2 * typical, $"gap between {steps[i - 1]} and {steps[i]} (interval {typical})");
        Assert.True(steps[^1] >= 12000 - typical);
    }

    private static List<int> TrainerPids(string outDir) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(" train ") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(outDir); }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            }).ToList();
}
