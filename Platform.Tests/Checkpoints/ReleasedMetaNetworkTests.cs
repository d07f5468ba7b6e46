using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Endpoints;
using Platform.Data.MetaNetworks;
using Platform.Tests.Api;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Checkpoints;

/// <summary>
/// Issue #19, item 12: the released Disco103 is every team's built-in meta-network without an upload, uploads do not claim a
/// step, and a file the team already has (same SHA-256) is refused, naming the checkpoint it duplicates.
/// </summary>
public class ReleasedMetaNetworkTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    private static MultipartFormDataContent Form(byte[] file, string name)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "rule.npz");
        form.Add(new StringContent(name), "name");
        return form;
    }

    private async Task<(long Rows, int Files)> StoredAsync()
    {
        var rows = await api.ScalarAsync("SELECT count(*) FROM checkpoints");
        return (rows, Directory.GetFiles(api.StorageRoot, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Disco103IsListedForEveryTeamReadOnlyWithoutAStepAndDownloadsAsTheReleasedFile()
    {
        var released = await File.ReadAllBytesAsync(CheckpointTestFiles.WeightsPath());
        foreach (var client in new[] { A, B })
        {
            var list = await ReadJsonAsync(await client.GetAsync("/api/checkpoints?kind=meta-network"));
            var disco = Assert.Single(list.EnumerateArray(), c => c.GetProperty("id").GetGuid() == ReleasedMetaNetworks.Disco103Id);
            Assert.Equal(ReleasedMetaNetworks.Disco103Name, disco.GetProperty("name").GetString());
            Assert.True(disco.GetProperty("shared").GetBoolean());
            Assert.Equal(JsonValueKind.Null, disco.GetProperty("step").ValueKind);
            Assert.Equal(JsonValueKind.Null, disco.GetProperty("runId").ValueKind);
            Assert.Equal(ReleasedMetaNetworks.Disco103MetaTrainedOn, disco.GetProperty("metaTrainedOn").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(released)), disco.GetProperty("sha256").GetString());

            var download = await client.GetAsync($"/api/checkpoints/{ReleasedMetaNetworks.Disco103Id}/download");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(released, await download.Content.ReadAsByteArrayAsync());
        }
    }

    /// <summary>
    /// Its checkpoint is taken wherever a meta-network is (train rule, meta-train init, suite evaluation) and is the rule
    /// disco103 there (RuleReference.OfMetaNetwork), so its runs are listed and leaderboarded with every other Disco103 run.
    /// </summary>
    [Fact]
    public async Task Disco103sCheckpointIsTheRuleDisco103WhereverAMetaNetworkIsTaken()
    {
        var rule = $"meta-network:{ReleasedMetaNetworks.Disco103Id}";
        var run = await ReadJsonAsync(await B.SubmitAsync(new { env = "catch/5x5", rule, steps = 1000, seed = 1 }), HttpStatusCode.Created);
        Assert.Equal("disco103", run.GetProperty("rule").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("metaNetworkCheckpointId").ValueKind);
        // Saying the checkpoint as the lineage too is consistent, not a contradiction.
        await ReadJsonAsync(await B.SubmitAsync(new { env = "catch/5x5", rule, steps = 1000, seed = 2, metaNetworkCheckpointId = ReleasedMetaNetworks.Disco103Id }),
            HttpStatusCode.Created);

        var metaTrain = await ReadJsonAsync(await B.SubmitAsync(new { kind = "meta-train", envs = new[] { "catch/5x5" }, init = rule, steps = 2, seed = 1 }),
            HttpStatusCode.Created);
        Assert.Equal("disco103", metaTrain.GetProperty("rule").GetString());
        Assert.Equal("disco103", metaTrain.GetProperty("spec").GetProperty("init").GetString());

        var evaluation = await ReadJsonAsync(await B.PostAsJsonAsync($"/api/checkpoints/{ReleasedMetaNetworks.Disco103Id}/evaluate",
            new { suite = "catch", steps = 1000, seeds = new[] { 1 } }), HttpStatusCode.Created);
        var runs = evaluation.GetProperty("runs").EnumerateArray().ToList();
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.Equal("disco103", r.GetProperty("rule").GetString()));
        // Still found by the checkpoint's tag, as every suite evaluation is.
        Assert.All(runs, r => Assert.Contains(rule, r.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        foreach (var id in runs.Select(r => r.GetProperty("id").GetGuid()).Append(run.GetProperty("id").GetGuid()).Append(metaTrain.GetProperty("id").GetGuid()))
            await B.PostAsync($"/api/runs/{id}/cancel", null);
    }

    [Fact]
    public async Task UploadsHaveNoStep()
    {
        var created = await ReadJsonAsync(await A.PostAsync("/api/checkpoints", Form(CheckpointTestFiles.UniqueMetaNetwork(), "stepless")), HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("step").ValueKind);
        var id = created.GetProperty("id").GetGuid();
        var listed = Assert.Single((await ReadJsonAsync(await A.GetAsync("/api/checkpoints"))).EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("step").ValueKind);
    }

    [Fact]
    public async Task AFileTheTeamHasIs409NamingItsCheckpointAndStoresNothing()
    {
        var file = CheckpointTestFiles.UniqueMetaNetwork();
        var first = await ReadJsonAsync(await A.PostAsync("/api/checkpoints", Form(file, "first copy")), HttpStatusCode.Created);
        var firstId = first.GetProperty("id").GetGuid();

        var before = await StoredAsync();
        var again = await AssertProblemAsync(await A.PostAsync("/api/checkpoints", Form(file, "second copy")), HttpStatusCode.Conflict);
        Assert.Equal(firstId, again.GetProperty(CheckpointEndpoints.ExistingIdMember).GetGuid());
        Assert.Equal("first copy", again.GetProperty(CheckpointEndpoints.ExistingNameMember).GetString());
        Assert.Contains("\"first copy\"", again.GetProperty("detail").GetString());
        Assert.Contains(firstId.ToString(), again.GetProperty("detail").GetString());

        // The released file is every team's already.
        var disco = await AssertProblemAsync(await A.PostAsync("/api/checkpoints", Form(await File.ReadAllBytesAsync(CheckpointTestFiles.WeightsPath()), "mine")),
            HttpStatusCode.Conflict);
        Assert.Equal(ReleasedMetaNetworks.Disco103Id, disco.GetProperty(CheckpointEndpoints.ExistingIdMember).GetGuid());
        Assert.Equal(before, await StoredAsync());
        await using (var db = api.Db())
            Assert.Equal(["first copy"], await db.Checkpoints.Where(c => c.TeamId == api.TeamA.TeamId && c.Sha256 == first.GetProperty("sha256").GetString())
                .Select(c => c.Name).ToListAsync());

        // Another team's checkpoint is not this team's: team B may upload the same file.
        await ReadJsonAsync(await B.PostAsync("/api/checkpoints", Form(file, "team b's copy")), HttpStatusCode.Created);
    }
}
