using Microsoft.EntityFrameworkCore;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Endpoints;

public sealed record EnvironmentDto(string Id, string Suite, string SuiteName, string Name, string? Description,
    double? RandomScore, double? ReferenceScore);

/// <summary>A suite of the catalogue: its display name, the other names users may give for it, and its environments.</summary>
public sealed record SuiteDto(string Id, string Name, string Title, string Description, IReadOnlyList<string> Aliases, IReadOnlyList<string> EnvironmentIds);

/// <summary>
/// What a submission may name: suites (from the catalogue), environments (from the table the catalogue is upserted into at
/// start, with the normalisation constants the leaderboards use) and update rules.
/// </summary>
public static class CatalogEndpoints
{
    public static void MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/environments", async (PlatformDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await db.Environments.AsNoTracking().OrderBy(e => e.Id)
                    .Select(e => new EnvironmentDto(e.Id, e.SuiteId, e.Suite!.Name, e.Name, e.Description, e.RandomScore, e.ReferenceScore))
                    .ToListAsync(ct)))
            .WithTags("Catalog").WithSummary("Environments a run may use, with score normalisation constants");

        app.MapGet("/api/suites", () => TypedResults.Ok(EnvironmentCatalog.Suites
                .Select(s => new SuiteDto(s.Id, s.Name, s.Title, s.Description, s.Aliases, s.EnvironmentIds)).ToList()))
            .WithTags("Catalog").WithSummary("Environment suites, with the names users may give for them and their environments");

        app.MapGet("/api/rules", () => TypedResults.Ok(RuleCatalog.Listed))
            .WithTags("Catalog").WithSummary("Update rules a run may use");

        app.MapGet("/api/run-options", () => TypedResults.Ok(RunOptionTables.All))
            .WithTags("Catalog").WithSummary("Every option of each run kind: name, type, default, range or choices, help")
            .WithDescription("The tables the API validates submissions against and the worker CLI binds its options from. " +
                             "An option with a field is a field of POST /api/runs; the others go in its hyperparameters.");
    }
}
