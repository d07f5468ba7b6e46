using System.Net;
using System.Security.Cryptography;
using Platform.Data.Entities;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

public class CatalogTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    [Fact]
    public async Task EnvironmentsAreTheSeededOnes()
    {
        var envs = await ReadJsonAsync(await A.GetAsync("/api/environments"));
        var ids = envs.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(12, ids.Count);
        Assert.Contains("catch/8x8", ids);
        Assert.Contains("minatar/space_invaders", ids);
        Assert.Contains("procgen/leaper", ids);
    }

    [Fact]
    public async Task SuitesComeFromTheCatalogue()
    {
        var suites = (await ReadJsonAsync(await A.GetAsync("/api/suites"))).EnumerateArray().ToList();
        Assert.Equal(["minatar", "procgen", "catch"], suites.Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(["MinAtar", "ProcGen", "Catch"], suites.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["Atari (MinAtar)", "ProcGen", "Catch"], suites.Select(s => s.GetProperty("title").GetString()));
        var minatar = suites[0];
        Assert.Equal(["atari"], minatar.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["minatar/asterix", "minatar/breakout", "minatar/freeway", "minatar/seaquest", "minatar/space_invaders"],
            minatar.GetProperty("environmentIds").EnumerateArray().Select(e => e.GetString()));
        Assert.All(suites, s => Assert.False(string.IsNullOrEmpty(s.GetProperty("description").GetString())));

        // The environments table names the same suites, by the same display names.
        var envs = (await ReadJsonAsync(await A.GetAsync("/api/environments"))).EnumerateArray().ToList();
        Assert.Equal("ProcGen", envs.First(e => e.GetProperty("suite").GetString() == "procgen").GetProperty("suiteName").GetString());
    }

    [Fact]
    public async Task RulesListTheBuiltInsAndTeamMetaNetworks()
    {
        var rules = await ReadJsonAsync(await A.GetAsync("/api/rules"));
        var ids = rules.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        // npz:PATH names a file on a worker: a command-line convenience the API does not offer.
        Assert.Equal(["disco103", "actor-critic", "ppo", "meta-network:ID"], ids);
    }

    [Fact]
    public async Task CheckpointDownloadStreamsTheFileWithItsChecksum()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var path = Path.Combine(Path.GetTempPath(), $"ckpt-{Guid.NewGuid():N}.npz");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var checkpoint = new Checkpoint
            {
                Id = Guid.NewGuid(), Kind = CheckpointKind.MetaNetwork, TeamId = api.TeamA.TeamId, Name = "meta-test",
                Step = 42, SizeBytes = bytes.Length, Sha256 = sha, StorageUri = new Uri(path).AbsoluteUri, CreatedAt = DateTimeOffset.UtcNow,
            };
            await using (var db = api.Db())
            {
                db.Checkpoints.Add(checkpoint);
                await db.SaveChangesAsync();
            }

            var list = await ReadJsonAsync(await A.GetAsync("/api/checkpoints?kind=meta-network"));
            Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetGuid() == checkpoint.Id);
            var listB = await ReadJsonAsync(await B.GetAsync("/api/checkpoints"));
            Assert.DoesNotContain(listB.EnumerateArray(), c => c.GetProperty("id").GetGuid() == checkpoint.Id);

            var download = await A.GetAsync($"/api/checkpoints/{checkpoint.Id}/download");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(sha, download.Headers.GetValues("X-Checksum-Sha256").Single());
            Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());

            await AssertProblemAsync(await B.GetAsync($"/api/checkpoints/{checkpoint.Id}/download"), HttpStatusCode.NotFound);

            // The checkpoint can be named as a run's meta-network (lineage); team B cannot see it.
            var run = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = $"meta-network:{checkpoint.Id}", steps = 10 }), HttpStatusCode.Created);
            Assert.Equal(checkpoint.Id, run.GetProperty("metaNetworkCheckpointId").GetGuid());
            Assert.Equal($"meta-network:{checkpoint.Id}", run.GetProperty("rule").GetString());
            await AssertFieldProblemAsync(await B.SubmitAsync(new { env = "catch/8x8", rule = $"meta-network:{checkpoint.Id}", steps = 10 }),
                HttpStatusCode.BadRequest, "rule");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task MissingCheckpointIs404Problem()
    {
        await AssertProblemAsync(await A.GetAsync($"/api/checkpoints/{Guid.NewGuid()}/download"), HttpStatusCode.NotFound);
    }
}
