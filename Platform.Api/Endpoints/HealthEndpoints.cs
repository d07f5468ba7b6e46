using Microsoft.EntityFrameworkCore;
using Platform.Data;

namespace Platform.Api.Endpoints;

public sealed record HealthDto(string Status);

public static class HealthEndpoints
{
    /// <summary>Unauthenticated liveness plus a database round trip, for load balancers and CI.</summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (PlatformDbContext db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Ok(new HealthDto("healthy"))
                    : Results.Problem(detail: "The database is unreachable.", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous().WithTags("Health").WithName("GetHealth").WithSummary("Liveness and database check")
            .Produces<HealthDto>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
