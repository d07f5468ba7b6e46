using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;

namespace Platform.Tests.Api;

/// <summary>
/// Deleting runs and checkpoints (issue #19): GET …/deletion says what would go and what cites the record; DELETE removes a
/// run with its metric points, artifacts and checkpoints and their files, but never a run still active or one another run
/// needs, and a run a leaderboard cites only with force=true; a checkpoint likewise, never a shared one. A refused request
/// changes nothing. Each team here is new.
/// </summary>
public class DeletionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Seeded(Run Run, Checkpoint Checkpoint, string CheckpointFile, string ArtifactFile, string RunFolder);

    /// <summary>A finished training run with 3 metric points, one checkpoint and one artifact, their files on disk.</summary>
    private async Task<Seeded> SeedAsync(Guid teamId, RunStatus status = RunStatus.Succeeded, double? finalScore = 0.5)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = status, Spec = "{}",
            EnvironmentId = "catch/5x5", Rule = "ppo", TotalSteps = 10, CreatedAt = DateTimeOffset.UtcNow, FinalScore = finalScore,
        };
        var checkpoint = new Checkpoint
        {
            Id = Guid.NewGuid(), Kind = CheckpointKind.Agent, RunId = run.Id, TeamId = teamId, Name = "agent", Step = 10, SizeBytes = 1_000,
            Sha256 = new string('0', 64), StorageUri = $"runs/{run.Id}/checkpoints/agent.zip", CreatedAt = DateTimeOffset.UtcNow,
        };
        var artifact = new Artifact
        {
            Id = Guid.NewGuid(), Kind = ArtifactKind.Replay, RunId = run.Id, TeamId = teamId, StorageUri = $"runs/{run.Id}/replay.gif",
            SizeBytes = 234, Sha256 = new string('0', 64), CreatedAt = DateTimeOffset.UtcNow,
        };
        var folder = Path.Combine(api.StorageRoot, "runs", run.Id.ToString());
        Directory.CreateDirectory(Path.Combine(folder, "checkpoints"));
        var checkpointFile = Path.Combine(folder, "checkpoints", "agent.zip");
        var artifactFile = Path.Combine(folder, "replay.gif");
        await File.WriteAllBytesAsync(checkpointFile, new byte[1_000]);
        await File.WriteAllBytesAsync(artifactFile, new byte[234]);
        await File.WriteAllTextAsync(Path.Combine(folder, "metrics.jsonl"), "{}\n");
        await using var db = api.Db();
        db.Runs.Add(run);
        db.Checkpoints.Add(checkpoint);
        db.Artifacts.Add(artifact);
        db.MetricPoints.AddRange(Enumerable.Range(0, 3).Select(i => new MetricPoint
        {
            RunId = run.Id, Name = "episode_return", Step = i, Value = i, WallTime = DateTimeOffset.UtcNow,
        }));
        await db.SaveChangesAsync();
        return new Seeded(run, checkpoint, checkpointFile, artifactFile, folder);
    }

    private async Task<bool> StillStoredAsync(Seeded s)
    {
        await using var db = api.Db();
        var rows = await db.Runs.AnyAsync(r => r.Id == s.Run.Id) && await db.Checkpoints.AnyAsync(c => c.Id == s.Checkpoint.Id)
                   && await db.MetricPoints.CountAsync(m => m.RunId == s.Run.Id) == 3 && await db.Artifacts.AnyAsync(a => a.RunId == s.Run.Id);
        return rows && File.Exists(s.CheckpointFile) && File.Exists(s.ArtifactFile);
    }

    [Fact]
    public async Task ARunOnALeaderboardIsDeletedWithItsFilesOnlyOnceTheCallerHasSeenWhatCitesIt()
    {
        var user = await api.CreateUserAsync("delete-leaderboard", "lb@delete.test", "a deletion password");
        var client = api.Client(user.ApiKey);
        var s = await SeedAsync(user.TeamId);

        var preview = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{s.Run.Id}/deletion");
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("blocked").ValueKind);
        Assert.Equal((1, 1, 3L, 1_234L), (preview.GetProperty("checkpoints").GetInt32(), preview.GetProperty("artifacts").GetInt32(),
            preview.GetProperty("metricPoints").GetInt64(), preview.GetProperty("bytes").GetInt64()));
        var citation = Assert.Single(preview.GetProperty("citations").EnumerateArray());
        Assert.Equal(("leaderboard", false), (citation.GetProperty("kind").GetString(), citation.GetProperty("blocks").GetBoolean()));

        // A force that is not a boolean is a 400, and nothing changes.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync($"/api/runs/{s.Run.Id}?force=yes")).StatusCode);
        Assert.True(await StillStoredAsync(s));

        // Without force: 409 saying so, and nothing changes.
        var refused = await client.DeleteAsync($"/api/runs/{s.Run.Id}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("leaderboard", problem.GetProperty("detail").GetString());
        Assert.Contains("force=true", problem.GetProperty("detail").GetString());
        Assert.Equal("leaderboard", problem.GetProperty("citations")[0].GetProperty("kind").GetString());
        Assert.True(await StillStoredAsync(s));

        // With force: everything of the run goes, rows and files.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{s.Run.Id}?force=true")).StatusCode);
        await using var db = api.Db();
        Assert.False(await db.Runs.AnyAsync(r => r.Id == s.Run.Id));
        Assert.False(await db.Checkpoints.AnyAsync(c => c.Id == s.Checkpoint.Id));
        Assert.Equal(0, await db.MetricPoints.CountAsync(m => m.RunId == s.Run.Id));
        Assert.False(await db.Artifacts.AnyAsync(a => a.RunId == s.Run.Id));
        Assert.False(Directory.Exists(s.RunFolder));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{s.Run.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/runs/{s.Run.Id}?force=true")).StatusCode);
    }

    [Fact]
    public async Task ARunNothingCitesIsDeletedWithoutForce()
    {
        var user = await api.CreateUserAsync("delete-plain", "plain@delete.test", "a deletion password");
        var s = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);
        var client = api.Client(user.ApiKey);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/runs/{s.Run.Id}/deletion")).GetProperty("citations").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{s.Run.Id}")).StatusCode);
        Assert.False(File.Exists(s.CheckpointFile));
    }

    [Fact]
    public async Task ARunAnotherRunNeedsAnActiveRunAndAnotherTeamsRunAreNeverDeleted()
    {
        var user = await api.CreateUserAsync("delete-blocked", "blocked@delete.test", "a deletion password");
        var other = await api.CreateUserAsync("delete-other", "other@delete.test", "a deletion password");
        var client = api.Client(user.ApiKey);

        // An evaluation of its checkpoint cites it: even force does not delete it.
        var cited = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);
        var evaluation = await SeedAsync(user.TeamId, RunStatus.Succeeded, finalScore: null);
        await using (var db = api.Db())
        {
            var row = await db.Runs.SingleAsync(r => r.Id == evaluation.Run.Id);
            row.Kind = RunKind.Evaluate;
            row.Spec = JsonSerializer.Serialize(new { kind = "evaluate", checkpointId = cited.Checkpoint.Id, env = "catch/5x5", episodes = 10 });
            await db.SaveChangesAsync();
        }
        var preview = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{cited.Run.Id}/deletion");
        Assert.Contains("uses checkpoint", preview.GetProperty("blocked").GetString());
        var citation = Assert.Single(preview.GetProperty("citations").EnumerateArray());
        Assert.Equal((evaluation.Run.Id, true), (citation.GetProperty("id").GetGuid(), citation.GetProperty("blocks").GetBoolean()));
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/runs/{cited.Run.Id}?force=true")).StatusCode);
        Assert.True(await StillStoredAsync(cited));

        // A running run: cancel it first.
        var running = await SeedAsync(user.TeamId, RunStatus.Running, finalScore: null);
        var response = await client.DeleteAsync($"/api/runs/{running.Run.Id}?force=true");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("cancel it first", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.True(await StillStoredAsync(running));

        // Another team's run does not exist for this caller.
        var theirs = await SeedAsync(other.TeamId);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{theirs.Run.Id}/deletion")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/runs/{theirs.Run.Id}?force=true")).StatusCode);
        Assert.True(await StillStoredAsync(theirs));
    }

    [Fact]
    public async Task ASweepIsDeletedWithAllItsRunsInOneActionOnTheRulesOfDeletingARun()
    {
        var user = await api.CreateUserAsync("delete-sweep", "sweep@delete.test", "a deletion password");
        var other = await api.CreateUserAsync("delete-sweep-other", "sweep-other@delete.test", "a deletion password");
        var client = api.Client(user.ApiKey);
        var sweep = new Sweep
        {
            Id = Guid.CreateVersion7(), TeamId = user.TeamId, CreatedByUserId = user.UserId, Name = "lr sweep", Method = "grid",
            Definition = "{}", CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var db = api.Db()) { db.Sweeps.Add(sweep); await db.SaveChangesAsync(); }
        var scored = await SeedAsync(user.TeamId);                                               // on the leaderboard
        var failed = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);
        var running = await SeedAsync(user.TeamId, RunStatus.Running, finalScore: null);
        var outsider = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);       // not in the sweep
        await using (var db = api.Db())
        {
            foreach (var id in new[] { scored.Run.Id, failed.Run.Id, running.Run.Id })
                (await db.Runs.SingleAsync(r => r.Id == id)).SweepId = sweep.Id;
            await db.SaveChangesAsync();
        }
        async Task<bool> SweepStoredAsync()
        {
            await using var db = api.Db();
            return await db.Sweeps.AnyAsync(x => x.Id == sweep.Id) && await StillStoredAsync(scored) && await StillStoredAsync(failed)
                   && await StillStoredAsync(running);
        }

        // One run still running: cancel the sweep first; nothing changes, even with force.
        var preview = await client.GetFromJsonAsync<JsonElement>($"/api/sweeps/{sweep.Id}/deletion");
        Assert.Contains("cancel the sweep first", preview.GetProperty("blocked").GetString());
        Assert.Equal((3, 3, 3, 9L, 3 * 1_234L), (preview.GetProperty("runs").GetInt32(), preview.GetProperty("checkpoints").GetInt32(),
            preview.GetProperty("artifacts").GetInt32(), preview.GetProperty("metricPoints").GetInt64(), preview.GetProperty("bytes").GetInt64()));
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/sweeps/{sweep.Id}?force=true")).StatusCode);
        Assert.True(await SweepStoredAsync());

        // Finished, but a run outside the sweep evaluates one of its checkpoints: blocked, even with force.
        await using (var db = api.Db())
        {
            (await db.Runs.SingleAsync(r => r.Id == running.Run.Id)).Status = RunStatus.Cancelled;
            var evaluation = await db.Runs.SingleAsync(r => r.Id == outsider.Run.Id);
            evaluation.Kind = RunKind.Evaluate;
            evaluation.Spec = JsonSerializer.Serialize(new { kind = "evaluate", checkpointId = failed.Checkpoint.Id, env = "catch/5x5", episodes = 10 });
            await db.SaveChangesAsync();
        }
        preview = await client.GetFromJsonAsync<JsonElement>($"/api/sweeps/{sweep.Id}/deletion");
        Assert.Contains("uses checkpoint", preview.GetProperty("blocked").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/sweeps/{sweep.Id}?force=true")).StatusCode);
        Assert.True(await SweepStoredAsync());

        // That run gone, the leaderboard still cites a run: the sweep is not a citation of its own runs, the leaderboard is
        // (said once), so force is needed.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{outsider.Run.Id}")).StatusCode);
        preview = await client.GetFromJsonAsync<JsonElement>($"/api/sweeps/{sweep.Id}/deletion");
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("blocked").ValueKind);
        var citation = Assert.Single(preview.GetProperty("citations").EnumerateArray());
        Assert.Equal("leaderboard", citation.GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/sweeps/{sweep.Id}")).StatusCode);
        Assert.True(await SweepStoredAsync());

        // Another team cannot see or delete it.
        var theirs = api.Client(other.ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.GetAsync($"/api/sweeps/{sweep.Id}/deletion")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.DeleteAsync($"/api/sweeps/{sweep.Id}?force=true")).StatusCode);
        Assert.True(await SweepStoredAsync());

        // With force: the sweep, its three runs, their rows and files, in one action.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/sweeps/{sweep.Id}?force=true")).StatusCode);
        await using (var db = api.Db())
        {
            Assert.False(await db.Sweeps.AnyAsync(x => x.Id == sweep.Id));
            foreach (var s in new[] { scored, failed, running })
            {
                Assert.False(await db.Runs.AnyAsync(r => r.Id == s.Run.Id));
                Assert.False(await db.Checkpoints.AnyAsync(c => c.Id == s.Checkpoint.Id));
                Assert.Equal(0, await db.MetricPoints.CountAsync(m => m.RunId == s.Run.Id));
                Assert.False(Directory.Exists(s.RunFolder));
            }
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/sweeps/{sweep.Id}")).StatusCode);
    }

    [Fact]
    public async Task ACheckpointARunUsesOrTheSharedDisco103IsNeverDeletedAndARunsOwnOnlyWithForce()
    {
        var user = await api.CreateUserAsync("delete-checkpoints", "ckpt@delete.test", "a deletion password");
        var client = api.Client(user.ApiKey);

        // An uploaded meta-network (no run), file on disk, that a training run uses as its rule.
        var upload = new Checkpoint
        {
            Id = Guid.NewGuid(), Kind = CheckpointKind.MetaNetwork, TeamId = user.TeamId, Name = "my rule", SizeBytes = 500,
            Sha256 = new string('1', 64), StorageUri = $"meta-networks/{Guid.NewGuid():N}.npz", CreatedAt = DateTimeOffset.UtcNow,
        };
        var uploadFile = Path.Combine(api.StorageRoot, upload.StorageUri);
        Directory.CreateDirectory(Path.GetDirectoryName(uploadFile)!);
        await File.WriteAllBytesAsync(uploadFile, new byte[500]);
        var usingRun = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);
        await using (var db = api.Db())
        {
            db.Checkpoints.Add(upload);
            (await db.Runs.SingleAsync(r => r.Id == usingRun.Run.Id)).MetaNetworkCheckpointId = upload.Id;
            await db.SaveChangesAsync();
        }
        var preview = await client.GetFromJsonAsync<JsonElement>($"/api/checkpoints/{upload.Id}/deletion");
        Assert.Contains("uses checkpoint", preview.GetProperty("blocked").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/checkpoints/{upload.Id}?force=true")).StatusCode);
        Assert.True(File.Exists(uploadFile));

        // Once that run is gone nothing cites it: deleted without force, file and row.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{usingRun.Run.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/checkpoints/{upload.Id}")).StatusCode);
        Assert.False(File.Exists(uploadFile));
        await using (var db = api.Db()) Assert.False(await db.Checkpoints.AnyAsync(c => c.Id == upload.Id));

        // A run's own checkpoint: the run is cited as its source, so force; the run stays.
        var s = await SeedAsync(user.TeamId, RunStatus.Failed, finalScore: null);
        var own = await client.DeleteAsync($"/api/checkpoints/{s.Checkpoint.Id}");
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Equal("source", (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("citations")[0].GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/checkpoints/{s.Checkpoint.Id}?force=true")).StatusCode);
        Assert.False(File.Exists(s.CheckpointFile));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/runs/{s.Run.Id}")).StatusCode);

        // The released Disco103 (shared, no team) cannot be deleted by a team.
        var shared = new Checkpoint
        {
            Id = Guid.NewGuid(), Kind = CheckpointKind.MetaNetwork, TeamId = null, Name = "shared rule", SizeBytes = 1,
            Sha256 = new string('2', 64), StorageUri = "/nowhere/shared.npz", CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var db = api.Db()) { db.Checkpoints.Add(shared); await db.SaveChangesAsync(); }
        var refused = await client.DeleteAsync($"/api/checkpoints/{shared.Id}?force=true");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("shared", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await using (var db = api.Db()) Assert.True(await db.Checkpoints.AnyAsync(c => c.Id == shared.Id));
    }
}
