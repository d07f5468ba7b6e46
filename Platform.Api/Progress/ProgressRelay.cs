using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Jobs;

namespace Platform.Api.Progress;

/// <summary>
/// LISTENs on run_metrics and run_status (workers NOTIFY after storing) and relays to the SignalR groups:
/// metric points to run:&lt;id&gt;, status and step progress to team:&lt;id&gt; (status to the run's group too).
/// The data are read back from the database, so what a client sees live is exactly what is stored. If the
/// listening connection drops, it reconnects; points stored meanwhile are in the history endpoint.
/// </summary>
public sealed class ProgressRelay(string connectionString, IServiceScopeFactory scopes, IHubContext<ProgressHub> hub,
    ILogger<ProgressRelay> logger) : BackgroundService
{
    private readonly Channel<(string Channel, ProgressNotice Notice)> _queue =
        Channel.CreateBounded<(string, ProgressNotice)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Completed once the first LISTEN is in place (tests wait for it before expecting live points).</summary>
    public Task Listening => _listening.Task;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), RelayAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 30, Pooling = false };
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(builder.ConnectionString);
                await conn.OpenAsync(ct);
                conn.Notification += (_, e) =>
                {
                    if (ProgressChannels.Parse(e.Payload) is { } notice) _queue.Writer.TryWrite((e.Channel, notice));
                };
                await using (var cmd = new NpgsqlCommand($"LISTEN {ProgressChannels.Metrics}; LISTEN {ProgressChannels.Status};", conn))
                    await cmd.ExecuteNonQueryAsync(ct);
                _listening.TrySetResult();
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Progress listener lost its connection; reconnecting");
                try { await Task.Delay(TimeSpan.FromSeconds(2), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task RelayAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (channel, notice) in _queue.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (channel == ProgressChannels.Metrics) await RelayMetricsAsync(notice, ct);
                    else await RelayStatusAsync(notice, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not relay {Channel} for run {RunId}", channel, notice.RunId);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task RelayMetricsAsync(ProgressNotice notice, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        long from = notice.FromStep ?? 0, to = notice.ToStep ?? long.MaxValue;
        var points = await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == notice.RunId && p.Step >= from && p.Step <= to)
            .OrderBy(p => p.Step).ThenBy(p => p.Name)
            .Select(p => new LivePoint(p.Name, p.Step, p.Value, p.WallTime))
            .ToListAsync(ct);
        if (points.Count == 0) return;
        await hub.Clients.Group(ProgressHub.RunGroup(notice.RunId)).SendAsync("metrics", new MetricsMessage(notice.RunId, points), ct);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == notice.RunId)
            .Select(r => new { r.CurrentStep, r.TotalSteps }).FirstOrDefaultAsync(ct);
        if (run is not null)
            await hub.Clients.Group(ProgressHub.TeamGroup(notice.TeamId))
                .SendAsync("progress", new ProgressMessage(notice.RunId, run.CurrentStep, run.TotalSteps), ct);
    }

    private async Task RelayStatusAsync(ProgressNotice notice, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == notice.RunId, ct);
        if (run is null) return;
        var dto = RunDto.From(run);
        await hub.Clients.Groups([ProgressHub.RunGroup(run.Id), ProgressHub.TeamGroup(run.TeamId)]).SendAsync("status", dto, ct);
    }
}
