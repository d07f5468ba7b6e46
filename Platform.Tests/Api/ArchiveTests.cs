using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;

namespace Platform.Tests.Api;

/// <summary>
/// Archiving runs, sweeps and checkpoints (issue #19): each can be archived and brought back; lists leave archived ones out
/// unless asked (?archived=true lists only them); the thing itself, its results, files and links stay. An active run or
/// sweep, a shared checkpoint, another team's records and a malformed filter are refused and change nothing.
/// </summary>
public class ArchiveTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<Run> SeedAsync(Guid teamId, RunStatus status, string name, Guid? sweepId = null, DateTimeOffset? archivedAt = null)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = status, Spec = "{}", Name = name,
            EnvironmentId = "catch/5x5", Rule = "ppo", TotalSteps = 10, CreatedAt = DateTimeOffset.UtcNow,
            FinalScore = status == RunStatus.Succeeded ? 0.5 : null, SweepId = sweepId, ArchivedAt = archivedAt,
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

    private async Task<Sweep> SeedSweepAsync(Guid teamId, string name)
    {
        var sweep = new Sweep { Id = Guid.CreateVersion7(), TeamId = teamId, Name = name, Method = "grid", Definition = "{}", CreatedAt = DateTimeOffset.UtcNow };
        await using var db = api.Db();
        db.Sweeps.Add(sweep);
        await db.SaveChangesAsync();
        return sweep;
    }

    private async Task<DateTimeOffset?> SweepArchivedAtAsync(Guid id)
    {
        await using var db = api.Db();
        return await db.Sweeps.Where(s => s.Id == id).Select(s => s.ArchivedAt).SingleAsync();
    }

    private static async Task<List<Guid>> SweepsListedAsync(HttpClient client, string query = "") =>
        (await client.GetFromJsonAsync<JsonElement>("/api/sweeps" + query)).EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ToList();

    [Fact]
    public async Task ASweepIsArchivedWithItsRunsAndUnarchivingBringsBackOnlyTheRunsItArchived()
    {
        var user = await api.CreateUserAsync("archive-sweep", "archive-sweep@runs.test", "an archiving password");
        var other = await api.CreateUserAsync("archive-sweep-other", "archive-sweep-other@runs.test", "an archiving password");
        var client = api.Client(user.ApiKey);
        var sweep = await SeedSweepAsync(user.TeamId, "lr sweep");
        var scored = await SeedAsync(user.TeamId, RunStatus.Succeeded, "lr 1e-3", sweep.Id);
        var failed = await SeedAsync(user.TeamId, RunStatus.Failed, "lr 1e-2", sweep.Id);
        var before = DateTimeOffset.UtcNow.AddDays(-1);
        var alreadyArchived = await SeedAsync(user.TeamId, RunStatus.Succeeded, "lr 1e-4", sweep.Id, archivedAt: before);
        var outsider = await SeedAsync(user.TeamId, RunStatus.Succeeded, "not in the sweep");
        var busy = await SeedSweepAsync(user.TeamId, "busy sweep");
        var running = await SeedAsync(user.TeamId, RunStatus.Running, "still running", busy.Id);
        await SeedAsync(user.TeamId, RunStatus.Succeeded, "finished in the busy sweep", busy.Id);

        // A sweep with a run still active is refused and nothing changes; so is another team's sweep.
        var refused = await client.PostAsync($"/api/sweeps/{busy.Id}/archive", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("1 of its runs is still queued or running", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Null(await SweepArchivedAtAsync(busy.Id));
        Assert.Equal(5, (await ListedAsync(client)).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client(other.ApiKey).PostAsync($"/api/sweeps/{sweep.Id}/archive", null)).StatusCode);
        Assert.Null(await SweepArchivedAtAsync(sweep.Id));

        var archived = await client.PostAsync($"/api/sweeps/{sweep.Id}/archive", null);
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        Assert.Equal(JsonValueKind.String, (await archived.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("archivedAt").ValueKind);
        var at = await SweepArchivedAtAsync(sweep.Id);
        Assert.NotNull(at);
        // Its finished runs are archived at the sweep's instant; the one archived before keeps its own time.
        Assert.Equal((at, at, before.WithMicroseconds()), (await ArchivedAtAsync(scored.Id), await ArchivedAtAsync(failed.Id), await ArchivedAtAsync(alreadyArchived.Id)).WithMicroseconds());
        Assert.Equal([busy.Id], await SweepsListedAsync(client));
        Assert.Equal([sweep.Id], await SweepsListedAsync(client, "?archived=true"));
        Assert.DoesNotContain(scored.Id, await ListedAsync(client));
        Assert.Contains(outsider.Id, await ListedAsync(client));
        // Archiving twice keeps the first time; the sweep itself still reads with its runs.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sweeps/{sweep.Id}/archive", null)).StatusCode);
        Assert.Equal(at, await SweepArchivedAtAsync(sweep.Id));
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonElement>($"/api/sweeps/{sweep.Id}")).GetProperty("runs").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/sweeps?archived=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client(other.ApiKey).PostAsync($"/api/sweeps/{sweep.Id}/unarchive", null)).StatusCode);
        Assert.NotNull(await SweepArchivedAtAsync(sweep.Id));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sweeps/{sweep.Id}/unarchive", null)).StatusCode);
        Assert.Null(await SweepArchivedAtAsync(sweep.Id));
        Assert.Equal((null, null), (await ArchivedAtAsync(scored.Id), await ArchivedAtAsync(failed.Id)));
        Assert.Equal(before.WithMicroseconds(), (await ArchivedAtAsync(alreadyArchived.Id))?.WithMicroseconds());
        Assert.Equal([busy.Id, sweep.Id], await SweepsListedAsync(client));
        Assert.Equal(running.Id, (await ListedAsync(client, "&status=running")).Single());
    }

    [Fact]
    public async Task ACheckpointIsArchivedOutOfTheListsYetStillDownloadsAndItsRunStillListsIt()
    {
        var user = await api.CreateUserAsync("archive-checkpoint", "archive-checkpoint@runs.test", "an archiving password");
        var other = await api.CreateUserAsync("archive-checkpoint-other", "archive-checkpoint-other@runs.test", "an archiving password");
        var client = api.Client(user.ApiKey);
        var run = await SeedAsync(user.TeamId, RunStatus.Succeeded, "with checkpoints");
        var folder = Path.Combine(api.StorageRoot, "runs", run.Id.ToString(), "checkpoints");
        Directory.CreateDirectory(folder);
        var bytes = new byte[] { 1, 2, 3, 4 };
        await File.WriteAllBytesAsync(Path.Combine(folder, "early.npz"), bytes);
        Checkpoint Make(string name, long step) => new()
        {
            Id = Guid.CreateVersion7(), Kind = CheckpointKind.MetaNetwork, RunId = run.Id, TeamId = user.TeamId, Name = name, Step = step,
            SizeBytes = bytes.Length, Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            StorageUri = $"runs/{run.Id}/checkpoints/early.npz", CreatedAt = DateTimeOffset.UtcNow.AddSeconds(step),
        };
        var early = Make("early rule", 10);
        var late = Make("late rule", 20);
        await using (var db = api.Db()) { db.Checkpoints.AddRange(early, late); await db.SaveChangesAsync(); }
        async Task<List<Guid>> Listed(string query = "") =>
            (await client.GetFromJsonAsync<JsonElement>("/api/checkpoints?kind=meta-network" + query)).EnumerateArray()
                .Where(c => !c.GetProperty("shared").GetBoolean()).Select(c => c.GetProperty("id").GetGuid()).ToList();

        var archived = await client.PostAsync($"/api/checkpoints/{early.Id}/archive", null);
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        Assert.Equal(JsonValueKind.String, (await archived.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("archivedAt").ValueKind);
        Assert.Equal([late.Id], await Listed());
        Assert.Equal([early.Id], await Listed("&archived=true"));
        // The run's page lists all its checkpoints, the archived one marked; the file still downloads.
        var ofRun = (await client.GetFromJsonAsync<JsonElement>($"/api/checkpoints?runId={run.Id}")).EnumerateArray().ToList();
        Assert.Equal([late.Id, early.Id], ofRun.Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal([JsonValueKind.Null, JsonValueKind.String], ofRun.Select(c => c.GetProperty("archivedAt").ValueKind));
        Assert.Equal(bytes, await client.GetByteArrayAsync($"/api/checkpoints/{early.Id}/download"));

        // A shared checkpoint (the released Disco103) is refused; another team cannot see this one.
        var shared = (await client.GetFromJsonAsync<JsonElement>("/api/checkpoints?kind=meta-network")).EnumerateArray()
            .First(c => c.GetProperty("shared").GetBoolean()).GetProperty("id").GetGuid();
        var refused = await client.PostAsync($"/api/checkpoints/{shared}/archive", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("shared checkpoint", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client(other.ApiKey).PostAsync($"/api/checkpoints/{late.Id}/archive", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client(other.ApiKey).PostAsync($"/api/checkpoints/{early.Id}/unarchive", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/checkpoints?archived=maybe")).StatusCode);
        Assert.Equal([late.Id], await Listed());

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/checkpoints/{early.Id}/unarchive", null)).StatusCode);
        Assert.Equal([late.Id, early.Id], await Listed());
        Assert.Empty(await Listed("&archived=true"));
    }
}

/// <summary>PostgreSQL keeps microseconds; .NET ticks are 100 ns.</summary>
internal static class MicrosecondComparison
{
    public static DateTimeOffset WithMicroseconds(this DateTimeOffset t) => t.AddTicks(-(t.Ticks % 10));

    public static (DateTimeOffset?, DateTimeOffset?, DateTimeOffset?) WithMicroseconds(this (DateTimeOffset? A, DateTimeOffset? B, DateTimeOffset? C) t) =>
        (t.A?.WithMicroseconds(), t.B?.WithMicroseconds(), t.C?.WithMicroseconds());
}
