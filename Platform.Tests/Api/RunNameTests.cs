using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>
/// Run names (issue #19): every run the API creates has a readable name, unique within its team — generated from what the
/// run is and numbered when repeated, or chosen by the submitter — and a run can be renamed. A bad or taken name is refused
/// with a ProblemDetails on "name" and stores nothing. Seeds here are this class's own, so generated names do not meet
/// other tests' runs.
/// </summary>
public class RunNameTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    private static object Train(long seed, string? name = null) =>
        name is null ? new { env = "catch/5x5", rule = "ppo", steps = 10, seed, queue = "gpu" }
                     : new { env = "catch/5x5", rule = "ppo", steps = 10, seed, queue = "gpu", name };

    private async Task<int> CountAsync(Guid teamId)
    {
        await using var db = api.Db();
        return await db.Runs.CountAsync(r => r.TeamId == teamId);
    }

    private static HttpRequestMessage Rename(Guid id, string json) =>
        new(HttpMethod.Patch, $"/api/runs/{id}") { Content = Json(json) };

    [Fact]
    public async Task AGeneratedNameSaysWhatTheRunIsAndRepeatsAreNumberedWithinTheTeam()
    {
        var first = await ReadJsonAsync(await A.SubmitAsync(Train(424201)), HttpStatusCode.Created);
        var second = await ReadJsonAsync(await A.SubmitAsync(Train(424201)), HttpStatusCode.Created);
        var otherTeam = await ReadJsonAsync(await B.SubmitAsync(Train(424201)), HttpStatusCode.Created);
        Assert.Equal("catch/5x5 ppo s424201", first.GetProperty("name").GetString());
        Assert.Equal("catch/5x5 ppo s424201 #2", second.GetProperty("name").GetString());
        Assert.Equal("catch/5x5 ppo s424201", otherTeam.GetProperty("name").GetString());

        // Listed and read back with it.
        var listed = await A.GetFromJsonAsync<JsonElement>("/api/runs?env=catch/5x5&pageSize=200");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), r => r.GetProperty("name").GetString() == "catch/5x5 ppo s424201 #2");
        var read = await A.GetFromJsonAsync<JsonElement>($"/api/runs/{second.GetProperty("id").GetGuid()}");
        Assert.Equal("catch/5x5 ppo s424201 #2", read.GetProperty("name").GetString());
    }

    [Fact]
    public async Task RunsSubmittedTogetherGetDistinctNames()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => A.SubmitAsync(Train(424202))));
        var names = new List<string>();
        foreach (var r in responses) names.Add((await ReadJsonAsync(r, HttpStatusCode.Created)).GetProperty("name").GetString()!);
        Assert.Equal(8, names.Distinct().Count());
        Assert.Equal(["catch/5x5 ppo s424202", .. Enumerable.Range(2, 7).Select(n => $"catch/5x5 ppo s424202 #{n}")], names.Order(StringComparer.Ordinal).OrderBy(n => n.Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" leading space")]
    [InlineData("trailing space ")]
    [InlineData("double  space")]
    [InlineData("semi;colon")]
    [InlineData("émigré")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789012345678901")] // 81 characters
    public async Task AMalformedNameIsRefusedAndNothingIsStored(string name)
    {
        var before = await CountAsync(api.TeamA.TeamId);
        await AssertFieldProblemAsync(await A.SubmitAsync(Train(424203, name)), HttpStatusCode.BadRequest, "name");
        Assert.Equal(before, await CountAsync(api.TeamA.TeamId));
    }

    [Fact]
    public async Task AChosenNameIsKeptAndATakenOneRefusedWithTheRunThatHasIt()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(Train(424204, "lr study (baseline) #1")), HttpStatusCode.Created);
        Assert.Equal("lr study (baseline) #1", run.GetProperty("name").GetString());
        var before = await CountAsync(api.TeamA.TeamId);
        var refused = await A.SubmitAsync(Train(424205, "lr study (baseline) #1"));
        await AssertFieldProblemAsync(refused, HttpStatusCode.BadRequest, "name");
        Assert.Contains(run.GetProperty("id").GetGuid().ToString(), await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, await CountAsync(api.TeamA.TeamId));
        // Another team may use it.
        await ReadJsonAsync(await B.SubmitAsync(Train(424205, "lr study (baseline) #1")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task ARunIsRenamedWithinItsTeamOnly()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(Train(424206)), HttpStatusCode.Created);
        var other = await ReadJsonAsync(await A.SubmitAsync(Train(424207)), HttpStatusCode.Created);
        var id = run.GetProperty("id").GetGuid();

        var renamed = await ReadJsonAsync(await A.SendAsync(Rename(id, """{"name":"catch baseline"}""")));
        Assert.Equal("catch baseline", renamed.GetProperty("name").GetString());
        Assert.Equal("catch baseline", (await A.GetFromJsonAsync<JsonElement>($"/api/runs/{id}")).GetProperty("name").GetString());
        // Renaming to its own name again is fine.
        await ReadJsonAsync(await A.SendAsync(Rename(id, """{"name":"catch baseline"}""")));

        // Taken by another of the team's runs: 409 naming that run; nothing changes.
        var taken = await A.SendAsync(Rename(other.GetProperty("id").GetGuid(), """{"name":"catch baseline"}"""));
        await AssertFieldProblemAsync(taken, HttpStatusCode.Conflict, "name");
        Assert.Contains(id.ToString(), await taken.Content.ReadAsStringAsync());
        Assert.Equal(other.GetProperty("name").GetString(),
            (await A.GetFromJsonAsync<JsonElement>($"/api/runs/{other.GetProperty("id").GetGuid()}")).GetProperty("name").GetString());

        // Malformed or missing: 400. Another team's run: 404, and it keeps its name.
        await AssertFieldProblemAsync(await A.SendAsync(Rename(id, """{"name":"bad!"}""")), HttpStatusCode.BadRequest, "name");
        await AssertFieldProblemAsync(await A.SendAsync(Rename(id, """{}""")), HttpStatusCode.BadRequest, "name");
        await AssertProblemAsync(await B.SendAsync(Rename(id, """{"name":"stolen"}""")), HttpStatusCode.NotFound);
        Assert.Equal("catch baseline", (await A.GetFromJsonAsync<JsonElement>($"/api/runs/{id}")).GetProperty("name").GetString());
    }
}
