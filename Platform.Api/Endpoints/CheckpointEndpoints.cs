using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Endpoints;

public sealed record CheckpointDto(Guid Id, CheckpointKind Kind, string Name, Guid? RunId, long Step, long SizeBytes,
    string Sha256, DateTimeOffset CreatedAt, bool Shared);

public static class CheckpointEndpoints
{
    public const string ChecksumHeader = "X-Checksum-Sha256";

    public static void MapCheckpointEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/checkpoints").WithTags("Checkpoints");
        group.MapGet("/", List).WithSummary("The team's checkpoints and shared ones, newest first");
        group.MapGet("/{id:guid}/download", Download)
            .WithSummary("Download a checkpoint file")
            .WithDescription("Streams the file (range requests supported); X-Checksum-Sha256 carries its SHA-256 in hex.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IQueryable<Checkpoint> Visible(PlatformDbContext db, Guid teamId) =>
        db.Checkpoints.AsNoTracking().Where(c => c.TeamId == null || c.TeamId == teamId);

    private static async Task<IResult> List(ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct,
        string? kind = null, Guid? runId = null, int limit = 100)
    {
        if (limit is < 1 or > 1000) return Problems.Field("limit", "Must be between 1 and 1000.");
        var query = Visible(db, user.GetTeamId());
        if (kind is not null)
        {
            if (!WireNames.TryParse<CheckpointKind>(kind, out var k))
                return Problems.Field("kind", $"Expected one of {string.Join(", ", WireNames.All<CheckpointKind>())}.");
            query = query.Where(c => c.Kind == k);
        }
        if (runId is not null) query = query.Where(c => c.RunId == runId);
        return TypedResults.Ok(await query.OrderByDescending(c => c.CreatedAt).Take(limit)
            .Select(c => new CheckpointDto(c.Id, c.Kind, c.Name, c.RunId, c.Step, c.SizeBytes, c.Sha256, c.CreatedAt, c.TeamId == null))
            .ToListAsync(ct));
    }

    private static async Task<IResult> Download(Guid id, ClaimsPrincipal user, PlatformDbContext db, HttpResponse response,
        IOptions<PlatformOptions> options, IHostEnvironment host, CancellationToken ct)
    {
        var checkpoint = await Visible(db, user.GetTeamId()).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (checkpoint is null) return Problems.NotFound("Checkpoint");

        var path = ResolvePath(checkpoint.StorageUri, options.Value.StorageRoot, host.ContentRootPath);
        if (!File.Exists(path)) return Problems.Status(StatusCodes.Status404NotFound, "The checkpoint's file is missing from storage.");

        response.Headers[ChecksumHeader] = checkpoint.Sha256.Trim();
        var fileName = Path.GetFileName(path);
        return TypedResults.PhysicalFile(path, "application/octet-stream", fileName, enableRangeProcessing: true);
    }

    /// <summary>file:// URIs and absolute paths as they are; other paths relative to the storage root.</summary>
    private static string ResolvePath(string storageUri, string storageRoot, string contentRoot)
    {
        if (Uri.TryCreate(storageUri, UriKind.Absolute, out var uri) && uri.IsFile) return uri.LocalPath;
        if (Path.IsPathRooted(storageUri)) return storageUri;
        return Path.GetFullPath(Path.Combine(Path.GetFullPath(storageRoot, contentRoot), storageUri));
    }
}
