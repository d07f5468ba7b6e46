using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;

namespace Platform.Tests.Api;

/// <summary>
/// Archiving runs (issue #19): a finished run can be archived and brought back; run lists leave archived runs out unless
/// asked (?archived=true lists only them); the run itself, its results and its links stay. An active run, another team's
/// run and a malformed filter are refused and change nothing.
/// </summary>
public class ArchiveTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<Run> SeedAsync(Guid teamId, RunStatus status, string name)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = status, Spec = "{}", Name = name,
            EnvironmentId = "catch/5x5", Rule = "ppo", TotalSteps = 10, CreatedAt = DateTimeOffset.UtcNow,
            FinalScore = status == RunStatus.Succeeded ? 0.5 : null,
        };
        await using var db = api.Db();
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    private static async Task<List<Guid>> ListedAsync(HttpClient client, string query = "")
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/api/runs?pageSize=200" + query);
        return page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
    }

    private async Task<DateTimeOffset?> ArchivedAtAsync(Guid id)
    {
        await using var db = api.Db();
        return await db.Runs.Where(r => r.Id == id).Select(r => r.ArchivedAt).SingleAsync();
    }

    [Fact]
    public async Task AFinishedRunIsArchivedOutOfTheListsAndBackWhileActiveAndOtherTeamsRunsAreRefused()
    {
        var user = await api.CreateUserAsync("archive-team", "archive@runs.test", "an archiving password");
        var other = await api.CreateUserAsync("archive-other", "archive-other@runs.test", "an archiving password");
        var client = api.Client(user.ApiKey);
        var finished = await SeedAsync(user.TeamId, RunStatus.Succeeded, "to archive");
        var kept = await SeedAsync(user.TeamId, RunStatus.Failed, "kept");
        var running = await SeedAsync(user.TeamId, RunStatus.Running, "still running");

        var archived = await client.PostAsync($"/api/runs/{finished.Id}/archive", null);
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        var dto = await archived.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.String, dto.GetProperty("archivedAt").ValueKind);
        var first = await ArchivedAtAsync(finished.Id);
        Assert.NotNull(first);
        // Archiving twice keeps the first time.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{finished.Id}/archive", null)).StatusCode);
        Assert.Equal(first, await ArchivedAtAsync(finished.Id));

        Assert.Equal([running.Id, kept.Id], await ListedAsync(client));
        Assert.Equal([finished.Id], await ListedAsync(client, "&archived=true"));
        Assert.Equal([finished.Id], await ListedAsync(client, "&archived=true&status=succeeded"));
        // The run itself is still there, score and all.
        var read = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{finished.Id}");
        Assert.Equal(0.5, read.GetProperty("finalScore").GetDouble());

        // A running run is not archived; another team's run does not exist for this caller; a filter that is not a boolean is a 400.
        var refused = await client.PostAsync($"/api/runs/{running.Id}/archive", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("only a finished run", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Null(await ArchivedAtAsync(running.Id));
        var theirs = api.Client(other.ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.PostAsync($"/api/runs/{kept.Id}/archive", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.PostAsync($"/api/runs/{finished.Id}/unarchive", null)).StatusCode);
        Assert.Null(await ArchivedAtAsync(kept.Id));
        Assert.NotNull(await ArchivedAtAsync(finished.Id));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/runs?archived=maybe")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{finished.Id}/unarchive", null)).StatusCode);
        Assert.Null(await ArchivedAtAsync(finished.Id));
        Assert.Equal([running.Id, kept.Id, finished.Id], await ListedAsync(client));   // newest first
        Assert.Empty(await ListedAsync(client, "&archived=true"));
    }
}
