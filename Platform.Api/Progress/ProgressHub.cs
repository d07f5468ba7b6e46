using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Auth;
using Platform.Data;

namespace Platform.Api.Progress;

/// <summary>
/// Live progress over SignalR at /hubs/progress. Every connection joins its team's feed (status changes and
/// step progress of all the team's runs); <see cref="Subscribe"/> adds a run's metric points. Client methods:
/// "metrics" (<see cref="MetricsMessage"/>), "status" (a RunDto), "progress" (<see cref="ProgressMessage"/>).
/// A client that connects late reads the history from GET /api/runs/{id}/metrics, then merges live points by
/// (name, step). Authentication: the cookie, or the API key as the access_token query parameter
/// (what the SignalR clients' AccessTokenProvider sends). A connection opened with a key is closed when the key
/// is revoked or expires (<see cref="KeyConnections"/>).
/// </summary>
public sealed class ProgressHub(PlatformDbContext db, KeyConnections keyConnections) : Hub
{
    public const string Path = "/hubs/progress";

    public static string RunGroup(Guid runId) => $"run:{runId}";
    public static string TeamGroup(Guid teamId) => $"team:{teamId}";

    public override async Task OnConnectedAsync()
    {
        if (Context.User!.GetApiKeyId() is { } keyId) keyConnections.Add(keyId, Context);
        await Groups.AddToGroupAsync(Context.ConnectionId, TeamGroup(Context.User!.GetTeamId()));
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.User?.GetApiKeyId() is { } keyId) keyConnections.Remove(keyId, Context);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Start receiving a run's metric points; only runs of the caller's team.</summary>
    public async Task Subscribe(Guid runId)
    {
        var teamId = Context.User!.GetTeamId();
        if (!await db.Runs.AnyAsync(r => r.Id == runId && r.TeamId == teamId, Context.ConnectionAborted))
            throw new HubException("Run not found.");
        await Groups.AddToGroupAsync(Context.ConnectionId, RunGroup(runId), Context.ConnectionAborted);
    }

    public Task Unsubscribe(Guid runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, RunGroup(runId));
}

public sealed record LivePoint(string Name, long Step, double Value, DateTimeOffset WallTime);

/// <summary>New points of one run (to the run's group).</summary>
public sealed record MetricsMessage(Guid RunId, IReadOnlyList<LivePoint> Points);

/// <summary>A run reached a new step (to the team feed).</summary>
public sealed record ProgressMessage(Guid RunId, long Step, long TotalSteps);
