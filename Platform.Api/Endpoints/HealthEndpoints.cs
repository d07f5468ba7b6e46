using Microsoft.EntityFrameworkCore;
using Platform.Data;

namespace Platform.Api.Endpoints;

public static class HealthEndpoints
{
    /// <summary>Unauthenticated liveness plus a database round trip, for load balancers and CI.</summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (PlatformDbContext db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Ok(new { status = "healthy" })
                    : Results.Problem(detail: "The database is unreachable.", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous().WithTags("Health").WithSummary("Liveness and database check");
}
