using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Data;

namespace Platform.Api.Progress;

/// <summary>
/// The progress hub's live connections by the API key that opened them, so that a key's end ends its connections:
/// a revocation through this instance closes them at once (<see cref="Close"/>), and every
/// <c>Platform:ApiKeys:RecheckSeconds</c> the keys of all live connections are read back from the database and
/// connections whose key was revoked elsewhere or has expired are closed. Without this a connection opened with a
/// key would keep receiving the team's progress for as long as it stays open.
/// </summary>
public sealed class KeyConnections(IServiceScopeFactory scopes, IOptions<PlatformOptions> options, ILogger<KeyConnections> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> _byKey = new();

    public void Add(Guid keyId, HubCallerContext connection) =>
        _byKey.GetOrAdd(keyId, _ => new()).TryAdd(connection.ConnectionId, connection);

    public void Remove(Guid keyId, HubCallerContext connection)
    {
        if (_byKey.TryGetValue(keyId, out var connections)) connections.TryRemove(connection.ConnectionId, out _);
    }

    /// <summary>Closes every live connection opened with the key; returns how many.</summary>
    public int Close(Guid keyId)
    {
        if (!_byKey.TryRemove(keyId, out var connections)) return 0;
        foreach (var connection in connections.Values) connection.Abort();
        return connections.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.ApiKeys.RecheckSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RecheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not recheck the keys of the progress hub's connections; trying again next time");
            }
        }
    }

    /// <summary>Closes the live connections whose key was revoked (by any instance) or has expired.</summary>
    public async Task RecheckAsync(CancellationToken ct = default)
    {
        var keyIds = _byKey.Where(kv => !kv.Value.IsEmpty).Select(kv => kv.Key).ToList();
        if (keyIds.Count == 0) return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = DateTimeOffset.UtcNow;
        var live = await db.ApiKeys.AsNoTracking()
            .Where(k => keyIds.Contains(k.Id) && k.RevokedAt == null && k.ExpiresAt > now)
            .Select(k => k.Id).ToListAsync(ct);
        foreach (var ended in keyIds.Except(live))
        {
            var closed = Close(ended);
            if (closed > 0) logger.LogInformation("Closed {Count} hub connection(s) of revoked or expired API key {KeyId}", closed, ended);
        }
    }
}
