using System.Net;
using Platform.Data;
using Platform.Data.Entities;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

public class MetricsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);

    private async Task<Guid> NewRunAsync() =>
        (await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 1000 }), HttpStatusCode.Created))
        .GetProperty("id").GetGuid();

    private static List<MetricPoint> Series(string name, int count, Func<long, double> value) =>
        Enumerable.Range(0, count).Select(i => new MetricPoint { Name = name, Step = i, Value = value(i) }).ToList();

    [Fact]
    public async Task AppendingTheSameStepsAgainIsIgnored()
    {
        var run = await NewRunAsync();
        await using var db = api.Db();
        Assert.Equal(100, await MetricWriter.AppendAsync(db, run, Series("loss", 100, s => s)));
        // A resumed run re-sends steps 50..149: only the 50 new ones land, the old values are kept.
        var replay = Enumerable.Range(50, 100).Select(i => new MetricPoint { Name = "loss", Step = i, Value = -1 }).ToList();
        Assert.Equal(50, await MetricWriter.AppendAsync(db, run, replay));
        Assert.Equal(150, await api.ScalarAsync("SELECT count(*) FROM metric_points WHERE run_id = @r", ("r", run)));
        Assert.Equal(0, await api.ScalarAsync("SELECT count(*) FROM metric_points WHERE run_id = @r AND step < 100 AND value < 0", ("r", run)));
    }

    [Fact]
    public async Task MetricsAreDownsampledToMaxPointsOnRequest()
    {
        var run = await NewRunAsync();
        await using (var db = api.Db())
        {
            await MetricWriter.AppendAsync(db, run, Series("return", 1000, s => s));
            await MetricWriter.AppendAsync(db, run, Series("loss", 10, s => 1.0 / (s + 1)));
        }

        var full = await ReadJsonAsync(await A.GetAsync($"/api/runs/{run}/metrics?name=return"));
        var fullSeries = full.GetProperty("series").EnumerateArray().Single();
        Assert.Equal(1000, fullSeries.GetProperty("points").GetArrayLength());

        // Without maxPoints a read is still bounded: a series longer than the default comes back downsampled to it.
        var longRun = await NewRunAsync();
        await using (var db = api.Db())
            await MetricWriter.AppendAsync(db, longRun, Series("return", Platform.Api.Endpoints.RunEndpoints.DefaultMaxPoints + 1000, s => s));
        var bounded = (await ReadJsonAsync(await A.GetAsync($"/api/runs/{longRun}/metrics"))).GetProperty("series").EnumerateArray().Single();
        Assert.Equal(Platform.Api.Endpoints.RunEndpoints.DefaultMaxPoints, bounded.GetProperty("points").GetArrayLength());
        Assert.Equal(Platform.Api.Endpoints.RunEndpoints.DefaultMaxPoints + 1000, bounded.GetProperty("totalPoints").GetInt32());

        var down = await ReadJsonAsync(await A.GetAsync($"/api/runs/{run}/metrics?name=return&maxPoints=100"));
        var series = down.GetProperty("series").EnumerateArray().Single();
        Assert.Equal(1000, series.GetProperty("totalPoints").GetInt32());
        var points = series.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(100, points.Count);
        // Buckets of 10 consecutive steps: step = last step of the bucket, value = mean of the bucket.
        Assert.Equal(9, points[0].GetProperty("step").GetInt64());
        Assert.Equal(4.5, points[0].GetProperty("value").GetDouble(), 9);
        Assert.Equal(999, points[^1].GetProperty("step").GetInt64());
        Assert.Equal(994.5, points[^1].GetProperty("value").GetDouble(), 9);
        var steps = points.Select(p => p.GetProperty("step").GetInt64()).ToList();
        Assert.Equal(steps.Order(), steps);

        // All series at once; a short series is returned whole.
        var all = await ReadJsonAsync(await A.GetAsync($"/api/runs/{run}/metrics?maxPoints=100"));
        var byName = all.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["loss", "return"], byName.Keys.Order());
        Assert.Equal(10, byName["loss"].GetProperty("points").GetArrayLength());
        Assert.Equal(100, byName["return"].GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task AReadAfterNewPointsSeesThemThoughTheFirstReadWasCached()
    {
        var run = await NewRunAsync();
        await using var db = api.Db();
        await MetricWriter.AppendAsync(db, run, Series("loss", 10, s => s));
        async Task<int> TotalAsync() => (await ReadJsonAsync(await A.GetAsync($"/api/runs/{run}/metrics?name=loss")))
            .GetProperty("series")[0].GetProperty("totalPoints").GetInt32();
        Assert.Equal(10, await TotalAsync());
        Assert.Equal(10, await TotalAsync());   // served from the cache
        var version = await api.ScalarAsync("SELECT metrics_version FROM runs WHERE id = @r", ("r", run));
        // Points that are all old change nothing (the version stays); new ones bump it and the next read has them.
        Assert.Equal(0, await MetricWriter.AppendAsync(db, run, Series("loss", 10, s => -1)));
        Assert.Equal(version, await api.ScalarAsync("SELECT metrics_version FROM runs WHERE id = @r", ("r", run)));
        Assert.Equal(5, await MetricWriter.AppendAsync(db, run, Series("loss", 15, s => s)));
        Assert.Equal(15, await TotalAsync());
    }

    [Fact]
    public async Task UnknownSeriesIsEmptyAndBadMaxPointsIs400()
    {
        var run = await NewRunAsync();
        var empty = await ReadJsonAsync(await A.GetAsync($"/api/runs/{run}/metrics?name=nothing"));
        Assert.Equal(0, empty.GetProperty("series")[0].GetProperty("points").GetArrayLength());
        await AssertFieldProblemAsync(await A.GetAsync($"/api/runs/{run}/metrics?maxPoints=1"), HttpStatusCode.BadRequest, "maxPoints");
        await AssertProblemAsync(await A.GetAsync($"/api/runs/{Guid.NewGuid()}/metrics"), HttpStatusCode.NotFound);
    }
}
