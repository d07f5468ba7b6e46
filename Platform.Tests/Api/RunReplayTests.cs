using System.Net;
using Platform.Data.Entities;
using Platform.Workers.Environments;
using Platform.Data.Runs;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>
/// GET /api/runs/{id}/replay against the real API and database: the GIF the worker leaves in the run's folder
/// (beside the agent checkpoint it registered), team scoping, and ProblemDetails 404 while there is none.
/// The worker recording it for real is covered in Jobs/WorkerTests.
/// </summary>
public class RunReplayTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);

    private async Task<Guid> NewRunAsync() =>
        (await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 1000, queue = "gpu" }), HttpStatusCode.Created))
        .GetProperty("id").GetGuid();

    /// <summary>A run folder as a worker leaves it: an agent checkpoint zip and, optionally, replay.gif, each registered with its location relative to the store.</summary>
    private async Task<byte[]?> RunFolderAsync(Guid runId, bool withReplay)
    {
        var dir = Path.Combine(api.StorageRoot, "runs", runId.ToString());
        Directory.CreateDirectory(dir);
        var zip = Path.Combine(dir, "agent-step-000000001000.zip");
        await File.WriteAllBytesAsync(zip, [0x50, 0x4B, 0x05, 0x06, .. new byte[18]]);
        await using (var db = api.Db())
        {
            db.Checkpoints.Add(new Checkpoint
            {
                Id = Guid.NewGuid(), Kind = CheckpointKind.Agent, RunId = runId, TeamId = api.TeamA.TeamId, Name = "agent", Step = 1000,
                SizeBytes = 22, Sha256 = new string('0', 64), StorageUri = $"runs/{runId}/agent-step-000000001000.zip", CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        if (!withReplay) return null;
        var recording = EpisodeRecorder.Record("catch/5x5", 1, 12, EpisodeRecorder.RandomPolicy(3, 1));
        using var gif = new MemoryStream();
        GifWriter.Write(gif, recording.Frames, recording.Spec.Width, recording.Spec.Height, 4);
        await File.WriteAllBytesAsync(Path.Combine(dir, RunFolderLayout.ReplayFile), gif.ToArray());
        await using (var db = api.Db())
        {
            db.Artifacts.Add(new Artifact
            {
                Id = Guid.NewGuid(), Kind = ArtifactKind.Replay, RunId = runId, TeamId = api.TeamA.TeamId,
                StorageUri = $"runs/{runId}/{RunFolderLayout.ReplayFile}", SizeBytes = gif.Length, Sha256 = new string('0', 64), CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        return gif.ToArray();
    }

    [Fact]
    public async Task TheReplayBesideTheRunsCheckpointIsServedAsAGif()
    {
        var runId = await NewRunAsync();
        var expected = await RunFolderAsync(runId, withReplay: true);

        var response = await A.GetAsync($"/api/runs/{runId}/replay");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task NoReplayYetIsAProblem404()
    {
        // Queued: no checkpoint, no folder.
        var queued = await NewRunAsync();
        var problem = await AssertProblemAsync(await A.GetAsync($"/api/runs/{queued}/replay"), HttpStatusCode.NotFound);
        Assert.Contains("no replay yet", problem.GetProperty("detail").GetString());

        // A checkpoint but no replay (recording failed or was switched off).
        var withoutReplay = await NewRunAsync();
        await RunFolderAsync(withoutReplay, withReplay: false);
        problem = await AssertProblemAsync(await A.GetAsync($"/api/runs/{withoutReplay}/replay"), HttpStatusCode.NotFound);
        Assert.Contains("no replay yet", problem.GetProperty("detail").GetString());

        problem = await AssertProblemAsync(await A.GetAsync($"/api/runs/{Guid.NewGuid()}/replay"), HttpStatusCode.NotFound);
        Assert.Equal("Run not found.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnotherTeamsReplayIsNotFoundAndAnonymousCallersAreRefused()
    {
        var runId = await NewRunAsync();
        await RunFolderAsync(runId, withReplay: true);

        using var b = api.Client(api.TeamB.ApiKey);
        var problem = await AssertProblemAsync(await b.GetAsync($"/api/runs/{runId}/replay"), HttpStatusCode.NotFound);
        Assert.Equal("Run not found.", problem.GetProperty("detail").GetString());

        using var anonymous = api.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/runs/{runId}/replay")).StatusCode);
    }
}
