using System.Net;
using System.Text;
using Platform.Data.Entities;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>Per-team quotas (Platform:Quotas:Teams:quota-team in ApiFixture): refused with 400 or 429 naming the limit, nothing stored.</summary>
public class QuotaTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task ATeamsLimitsRefuseGpuBigBudgetsAndRunsBeyondItsShareAndStoreNothing()
    {
        var user = await api.CreateUserAsync(ApiFixture.QuotaTeam, "quota@team.test", "quota password");
        using var client = api.Client(user.ApiKey);
        async Task<long> Runs() => await api.ScalarAsync("SELECT count(*) FROM runs WHERE team_id = @t", ("t", user.TeamId));

        await AssertFieldProblemAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 2000 }), HttpStatusCode.BadRequest, "steps");
        await AssertFieldProblemAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100, queue = "gpu" }), HttpStatusCode.BadRequest, "queue");
        Assert.Equal(0, await Runs());

        var first = (await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100 }, "q-1"), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100 }), HttpStatusCode.Created);
        var third = await AssertProblemAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100 }), HttpStatusCode.TooManyRequests);
        Assert.Contains("at most 2 queued or running runs", third.GetProperty("detail").GetString());
        Assert.Equal(2, await Runs());
        // Repeating a submission (same idempotency key) adds nothing and is answered even at the limit.
        Assert.Equal(first, (await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100 }, "q-1"))).GetProperty("id").GetGuid());

        // A suite evaluation is one request of all its runs: refused whole.
        var metaNetwork = Guid.NewGuid();
        await using (var db = api.Db())
        {
            db.Checkpoints.Add(new Checkpoint { Id = metaNetwork, Kind = CheckpointKind.MetaNetwork, Name = "shared rule", Sha256 = new string('0', 64),
                StorageUri = "/nonexistent.npz", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var evaluate = await client.PostAsync($"/api/checkpoints/{metaNetwork}/evaluate",
            new StringContent("""{"suite":"catch","steps":100,"seeds":[1]}""", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(evaluate, HttpStatusCode.TooManyRequests);
        Assert.Equal(2, await Runs());

        // Cancelling a queued run frees its place.
        await ReadJsonAsync(await client.PostAsync($"/api/runs/{first}/cancel", null));
        await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100 }), HttpStatusCode.Created);
    }
}
