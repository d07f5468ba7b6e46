using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Api.Progress;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;

namespace Platform.Tests.Api;

/// <summary>
/// The relay path on its own: points stored and NOTIFY'd exactly as a worker does (MetricWriter, then
/// pg_notify) reach real SignalR clients; a late client gets history from the API, then live points.
/// </summary>
public class ProgressHubTests(ApiFixture fx) : IClassFixture<ApiFixture>
{
    private async Task<Guid> QueuedRunAsync(string key)
    {
        using var client = fx.Client(key);
        var json = await HttpAssertions.ReadJsonAsync(await client.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 1000 }), System.Net.HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    private HubConnection Hub(string key) => new HubConnectionBuilder()
        .WithUrl(new Uri(fx.BaseAddress, ProgressHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
        .Build();

    /// <summary>What the worker does per log interval.</summary>
    private async Task WriteAsWorkerAsync(Guid runId, Guid teamId, long from, long to)
    {
        await using var db = fx.Db();
        var points = new List<MetricPoint>();
        for (var s = from; s <= to; s += 100)
        {
            points.Add(new MetricPoint { RunId = runId, Name = "episode_return", Step = s, Value = s / 1000.0, WallTime = DateTimeOffset.UtcNow });
            points.Add(new MetricPoint { RunId = runId, Name = "loss", Step = s, Value = 1.0 / s, WallTime = DateTimeOffset.UtcNow });
        }
        await MetricWriter.AppendAsync(db, runId, points);
        await using var conn = new NpgsqlConnection(fx.ConnectionString);
        await conn.OpenAsync();
        await ProgressChannels.NotifyAsync(conn, ProgressChannels.Metrics, new ProgressNotice(runId, teamId, from, to));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "Timed out waiting for " + what);
    }

    [Fact]
    public async Task LiveAndLateClientsSeeEveryPointOnce()
    {
        await fx.App.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var runId = await QueuedRunAsync(fx.TeamA.ApiKey);

        var early = new List<LivePoint>();
        var feed = new List<ProgressMessage>();
        await using var a = Hub(fx.TeamA.ApiKey);
        a.On<MetricsMessage>("metrics", m => { lock (early) early.AddRange(m.Points); });
        a.On<ProgressMessage>("progress", m => { lock (feed) feed.Add(m); });
        await a.StartAsync();
        await a.InvokeAsync("Subscribe", runId);

        await WriteAsWorkerAsync(runId, fx.TeamA.TeamId, 100, 1000);
        await WaitUntilAsync(() => { lock (early) return early.Count == 20; }, "the first 20 points");
        await WaitUntilAsync(() => { lock (feed) return feed.Any(f => f.RunId == runId); }, "the team feed");

        // A late client: history from the API, then live points, merged by (name, step).
        await using var late = Hub(fx.TeamA.ApiKey);
        var lateLive = new List<LivePoint>();
        late.On<MetricsMessage>("metrics", m => { lock (lateLive) lateLive.AddRange(m.Points); });
        await late.StartAsync();
        await late.InvokeAsync("Subscribe", runId);
        using var client = fx.Client(fx.TeamA.ApiKey);
        var history = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/runs/{runId}/metrics"));
        var merged = history.GetProperty("series").EnumerateArray()
            .SelectMany(s => s.GetProperty("points").EnumerateArray().Select(p => (s.GetProperty("name").GetString()!, p.GetProperty("step").GetInt64())))
            .ToHashSet();
        Assert.Equal(20, merged.Count);

        await WriteAsWorkerAsync(runId, fx.TeamA.TeamId, 1100, 2000);
        await WaitUntilAsync(() => { lock (lateLive) return lateLive.Count == 20; }, "the late client's live points");
        lock (lateLive) foreach (var p in lateLive) merged.Add((p.Name, p.Step));
        Assert.Equal(40, merged.Count);
        await WaitUntilAsync(() => { lock (early) return early.Count == 40; }, "all 40 points on the early client");
        lock (early) Assert.Equal(40, early.Select(p => (p.Name, p.Step)).Distinct().Count());
    }

    [Fact]
    public async Task StatusChangesReachTheTeamFeedOnly()
    {
        await fx.App.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var runId = await QueuedRunAsync(fx.TeamA.ApiKey);
        var a = new List<JsonElement>();
        var b = new List<JsonElement>();
        await using var hubA = Hub(fx.TeamA.ApiKey);
        await using var hubB = Hub(fx.TeamB.ApiKey);
        hubA.On<JsonElement>("status", s => { lock (a) a.Add(s); });
        hubB.On<JsonElement>("status", s => { lock (b) b.Add(s); });
        await hubA.StartAsync();
        await hubB.StartAsync();

        await using (var db = fx.Db())
            await db.Database.ExecuteSqlRawAsync("UPDATE runs SET status = 'running', worker_name = 'w' WHERE id = {0}", runId);
        await using (var conn = new NpgsqlConnection(fx.ConnectionString))
        {
            await conn.OpenAsync();
            await ProgressChannels.NotifyAsync(conn, ProgressChannels.Status, new ProgressNotice(runId, fx.TeamA.TeamId));
        }
        // (The submission's own "queued" notice may arrive too: look for the change.)
        await WaitUntilAsync(() => { lock (a) return a.Any(s => s.GetProperty("id").GetGuid() == runId && s.GetProperty("status").GetString() == "running"); },
            "team A's status message");
        await Task.Delay(300);
        lock (b) Assert.Empty(b);
    }

    [Fact]
    public async Task SubmittingAndCancellingARunReachTheTeamFeed()
    {
        await fx.App.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var a = new List<JsonElement>();
        var b = new List<JsonElement>();
        await using var hubA = Hub(fx.TeamA.ApiKey);
        await using var hubB = Hub(fx.TeamB.ApiKey);
        hubA.On<JsonElement>("status", s => { lock (a) a.Add(s); });
        hubB.On<JsonElement>("status", s => { lock (b) b.Add(s); });
        await hubA.StartAsync();
        await hubB.StartAsync();

        // The runs table of the team sees a new run, and its cancellation, without a worker involved.
        var runId = await QueuedRunAsync(fx.TeamA.ApiKey);
        bool Has(string status) { lock (a) return a.Any(s => s.GetProperty("id").GetGuid() == runId && s.GetProperty("status").GetString() == status); }
        await WaitUntilAsync(() => Has("queued"), "the new run on team A's feed");
        using (var client = fx.Client(fx.TeamA.ApiKey))
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{runId}/cancel", null)).StatusCode);
        await WaitUntilAsync(() => Has("cancelled"), "the cancellation on team A's feed");
        await Task.Delay(300);
        lock (b) Assert.DoesNotContain(b, s => s.GetProperty("id").GetGuid() == runId);
    }

    [Fact]
    public async Task OtherTeamsCannotSubscribeAndAnonymousCannotConnect()
    {
        var runId = await QueuedRunAsync(fx.TeamA.ApiKey);
        await using var hubB = Hub(fx.TeamB.ApiKey);
        await hubB.StartAsync();
        var ex = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hubB.InvokeAsync("Subscribe", runId));
        Assert.Contains("Run not found", ex.Message);

        await using var anonymous = new HubConnectionBuilder().WithUrl(new Uri(fx.BaseAddress, ProgressHub.Path)).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync());
        await using var wrongKey = Hub("not-a-key");
        await Assert.ThrowsAnyAsync<Exception>(() => wrongKey.StartAsync());
    }
}
