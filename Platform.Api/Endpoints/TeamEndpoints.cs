using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Auth;
using Platform.Data;

namespace Platform.Api.Endpoints;

/// <summary>
/// What the team keeps on the platform: its runs and metric points (database rows) and the files the platform recorded for
/// it (checkpoints and artifacts, with the sizes stored when they were registered). Shared checkpoints (the released
/// Disco103) are nobody's and not counted. Working files in run folders (metrics.jsonl, intermediate checkpoints) are not
/// recorded, so not counted either.
/// </summary>
public sealed record TeamStorageDto(int Runs, long MetricPoints, int Checkpoints, long CheckpointBytes, int Artifacts, long ArtifactBytes)
{
    public long TotalBytes => CheckpointBytes + ArtifactBytes;
}

public static class TeamEndpoints
{
    public static void MapTeamEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/team/storage", Storage).WithTags("Team").WithName("GetTeamStorage").Produces<TeamStorageDto>()
            .WithSummary("What the team keeps: runs, metric points, and the recorded checkpoint and artifact files with their sizes");
    }

    private static async Task<IResult> Storage(ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct)
    {
        var team = user.GetTeamId();
        var runs = await db.Runs.CountAsync(r => r.TeamId == team, ct);
        var points = await db.MetricPoints.LongCountAsync(p => db.Runs.Any(r => r.Id == p.RunId && r.TeamId == team), ct);
        var checkpoints = await db.Checkpoints.Where(c => c.TeamId == team)
            .GroupBy(_ => 1).Select(g => new { Count = g.Count(), Bytes = g.Sum(c => c.SizeBytes) }).FirstOrDefaultAsync(ct);
        var artifacts = await db.Artifacts.Where(a => a.TeamId == team)
            .GroupBy(_ => 1).Select(g => new { Count = g.Count(), Bytes = g.Sum(a => a.SizeBytes) }).FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new TeamStorageDto(runs, points, checkpoints?.Count ?? 0, checkpoints?.Bytes ?? 0,
            artifacts?.Count ?? 0, artifacts?.Bytes ?? 0));
    }
}
