using System.Net;
using System.Text.Json;
using Platform.Data;
using Platform.Data.Entities;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>
/// POST /api/runs/{id}/rerun and GET /api/runs/{id}/rerun-comparison against the real API and PostgreSQL (issue #16,
/// item 3). Here the runs do not execute: their outcome and metrics are written as a worker would; the worker and
/// browser tests run a re-run for real.
/// </summary>
public class RerunTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    private async Task<JsonElement> SubmitAsync() => await ReadJsonAsync(await A.SubmitAsync(new
    {
        env = "catch/8x8", rule = "ppo", steps = 2000, seed = 11, tags = new[] { "rerun" },
        hyperparameters = new Dictionary<string, object> { ["lr"] = 1e-3, ["net"] = "small" },
    }), HttpStatusCode.Created);

    [Fact]
    public async Task AReRunHasTheOriginalsSpecAndSeedAndNamesIt()
    {
        var original = await SubmitAsync();
        var id = original.GetProperty("id").GetGuid();
        var rerun = await ReadJsonAsync(await A.PostAsync($"/api/runs/{id}/rerun", null), HttpStatusCode.Created);
        Assert.NotEqual(id, rerun.GetProperty("id").GetGuid());
        Assert.Equal(id, rerun.GetProperty("rerunOfId").GetGuid());
        Assert.Equal("queued", rerun.GetProperty("status").GetString());
        Assert.Equal(11, rerun.GetProperty("seed").GetInt64());
        Assert.Equal(original.GetProperty("spec").GetRawText(), rerun.GetProperty("spec").GetRawText());
        Assert.Equal(JsonValueKind.Null, original.GetProperty("rerunOfId").ValueKind);

        // Another team's run does not exist for this caller, and nothing is created.
        var before = await api.ScalarAsync("SELECT count(*) FROM runs");
        await AssertProblemAsync(await B.PostAsync($"/api/runs/{id}/rerun", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await B.GetAsync($"/api/runs/{rerun.GetProperty("id").GetGuid()}/rerun-comparison"), HttpStatusCode.NotFound);
        Assert.Equal(before, await api.ScalarAsync("SELECT count(*) FROM runs"));
        // A run that is no re-run has no comparison.
        await AssertProblemAsync(await A.GetAsync($"/api/runs/{id}/rerun-comparison"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheComparisonIsPendingThenIdenticalOrTheFirstDifference()
    {
        var id = (await SubmitAsync()).GetProperty("id").GetGuid();
        var rerunId = (await ReadJsonAsync(await A.PostAsync($"/api/runs/{id}/rerun", null), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        async Task<JsonElement> CompareAsync() => await ReadJsonAsync(await A.GetAsync($"/api/runs/{rerunId}/rerun-comparison"));
        Assert.Equal("pending", (await CompareAsync()).GetProperty("outcome").GetString());

        // Both finish with the same points; their wall-clock rates differ, which does not count.
        List<MetricPoint> Points(double loss, double sps) => Enumerable.Range(1, 20).SelectMany(s => new[]
        {
            new MetricPoint { Name = "loss", Step = s * 100L, Value = loss / s },
            new MetricPoint { Name = "episode_return", Step = s * 100L, Value = Math.Sin(s) },
            new MetricPoint { Name = "steps_per_second", Step = s * 100L, Value = sps },
        }).ToList();
        await using (var db = api.Db())
        {
            await MetricWriter.AppendAsync(db, id, Points(1.0, 500));
            await MetricWriter.AppendAsync(db, rerunId, Points(1.0, 731));
        }
        const string provenance = """{"cpu": "AMD EPYC", "gpu": null, "device": "cpu", "threads": 2, "git_commit": "abc", "config": {"seed": 11}}""";
        foreach (var run in new[] { id, rerunId })
            await api.ScalarAsync("UPDATE runs SET status = 'succeeded', finished_at = now(), provenance = @p::jsonb WHERE id = @id RETURNING 1",
                ("id", run), ("p", provenance));
        var same = await CompareAsync();
        Assert.Equal("identical", same.GetProperty("outcome").GetString());
        Assert.Equal(40, same.GetProperty("comparedPoints").GetInt64());
        Assert.True(same.GetProperty("sameMachineKind").GetBoolean());
        Assert.True(same.GetProperty("sameConfiguration").GetBoolean());
        Assert.True(same.GetProperty("sameCode").GetBoolean());

        // One value differs in the last bit at step 700, and the re-run ran with more threads.
        var original = await api.ScalarDoubleAsync("SELECT value FROM metric_points WHERE run_id = @r AND name = 'loss' AND step = 700", ("r", id));
        await api.ScalarAsync("UPDATE metric_points SET value = @v WHERE run_id = @r AND name = 'loss' AND step = 700 RETURNING 1",
            ("r", rerunId), ("v", BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(original) + 1)));
        await api.ScalarAsync("UPDATE runs SET provenance = jsonb_set(provenance, '{threads}', '4') WHERE id = @id RETURNING 1", ("id", rerunId));
        var differs = await CompareAsync();
        Assert.Equal("differs", differs.GetProperty("outcome").GetString());
        Assert.Equal("loss", differs.GetProperty("firstDifferenceMetric").GetString());
        Assert.Equal(700, differs.GetProperty("firstDifferenceStep").GetInt64());
        Assert.Equal(original, differs.GetProperty("originalValue").GetDouble());
        Assert.False(differs.GetProperty("sameMachineKind").GetBoolean());
    }
}
