using System.Net.Http.Json;
using System.Text.Json;
using Platform.Data.Entities;

namespace Platform.Tests.Api;

/// <summary>
/// GET /api/team/storage (issue #19: the team's storage use, shown in Settings): the team's runs, metric points and
/// recorded files, and nothing of another team's or of the shared (released) checkpoints. Each team here is new.
/// </summary>
public class TeamStorageTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<Run> SeedAsync(Guid teamId, long[] checkpointBytes, long[] artifactBytes, int points)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Spec = "{}",
            EnvironmentId = "catch/5x5", Rule = "ppo", TotalSteps = 10, CreatedAt = DateTimeOffset.UtcNow,
        };
        await using var db = api.Db();
        db.Runs.Add(run);
        db.Checkpoints.AddRange(checkpointBytes.Select((b, i) => new Checkpoint
        {
            Id = Guid.NewGuid(), Kind = CheckpointKind.Agent, RunId = run.Id, TeamId = teamId, Name = $"c{i}", Step = i, SizeBytes = b,
            Sha256 = new string('0', 64), StorageUri = $"checkpoints/{Guid.NewGuid()}.zip", CreatedAt = DateTimeOffset.UtcNow,
        }));
        db.Artifacts.AddRange(artifactBytes.Select((b, i) => new Artifact
        {
            Id = Guid.NewGuid(), Kind = i == 0 ? ArtifactKind.Replay : ArtifactKind.Inspection, RunId = run.Id, TeamId = teamId,
            StorageUri = $"runs/{run.Id}/{i}", SizeBytes = b, Sha256 = new string('0', 64), CreatedAt = DateTimeOffset.UtcNow,
        }));
        db.MetricPoints.AddRange(Enumerable.Range(0, points).Select(i => new MetricPoint
        {
            RunId = run.Id, Name = "episode_return", Step = i, Value = i, WallTime = DateTimeOffset.UtcNow,
        }));
        await db.SaveChangesAsync();
        return run;
    }

    [Fact]
    public async Task StorageCountsTheTeamsOwnRunsPointsAndRecordedFilesOnly()
    {
        var mine = await api.CreateUserAsync("storage-mine", "mine@storage.test", "a storage password");
        var theirs = await api.CreateUserAsync("storage-theirs", "theirs@storage.test", "a storage password");
        await SeedAsync(mine.TeamId, [1_000, 2_500], [300, 700], points: 5);
        await SeedAsync(mine.TeamId, [4_000], [], points: 2);
        await SeedAsync(theirs.TeamId, [9_999_999], [8_888], points: 50);

        var storage = await api.Client(mine.ApiKey).GetFromJsonAsync<JsonElement>("/api/team/storage");
        Assert.Equal(2, storage.GetProperty("runs").GetInt32());
        Assert.Equal(7, storage.GetProperty("metricPoints").GetInt64());
        Assert.Equal(3, storage.GetProperty("checkpoints").GetInt32());
        Assert.Equal(7_500, storage.GetProperty("checkpointBytes").GetInt64());
        Assert.Equal(2, storage.GetProperty("artifacts").GetInt32());
        Assert.Equal(1_000, storage.GetProperty("artifactBytes").GetInt64());
        Assert.Equal(8_500, storage.GetProperty("totalBytes").GetInt64());

        // A team with nothing has zeros, not an error.
        var empty = await api.CreateUserAsync("storage-empty", "empty@storage.test", "a storage password");
        var none = await api.Client(empty.ApiKey).GetFromJsonAsync<JsonElement>("/api/team/storage");
        Assert.Equal(0, none.GetProperty("totalBytes").GetInt64());
        Assert.Equal(0, none.GetProperty("runs").GetInt32());
    }
}
