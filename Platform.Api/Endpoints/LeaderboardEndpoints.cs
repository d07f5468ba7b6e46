using System.Security.Claims;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Leaderboards;
using Platform.Data.Environments;

namespace Platform.Api.Endpoints;

public static class LeaderboardEndpoints
{
    public static void MapLeaderboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leaderboards/generalisation", Generalisation).WithTags("Leaderboards").WithName("GetGeneralisationLeaderboard")
            .Produces<GeneralisationDto>().ProducesValidationProblem()
            .WithSummary("Generalisation: each rule's IQM per suite beside what it was meta-trained on")
            .WithDescription("Rows per rule (a meta-network checkpoint counts as the rule meta-network:ID): what it was meta-trained on " +
                             "(recorded with the checkpoint; Disco103: Atari + ProcGen + DMLab) and, per suite its runs were evaluated on, the " +
                             "IQM with 95% CI at each step budget, marked in or out of distribution. steps restricts to one step budget.");
        app.MapGet("/api/leaderboards/{suite}", Get).WithTags("Leaderboards").WithName("GetLeaderboard")
            .Produces<LeaderboardDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary($"Leaderboard of a suite ({string.Join(", ", EnvironmentCatalog.Suites.Select(s => s.Id))})")
            .WithDescription("Per environment × rule × step budget: each seed's final score and normalised score; per rule: the IQM " +
                             "of normalised scores with a 95% stratified-bootstrap CI (rliable). Every number names its runs. " +
                             "steps restricts to one step budget. A suite's alias (GET /api/suites: atari for minatar) opens its board.");
    }

    private static async Task<IResult> Generalisation(ClaimsPrincipal user, LeaderboardService service, CancellationToken ct, long? steps = null)
    {
        if (steps is <= 0) return Problems.Field("steps", "Must be positive.");
        return TypedResults.Ok(await service.BuildGeneralisationAsync(user.GetTeamId(), steps, ct));
    }

    private static async Task<IResult> Get(string suite, ClaimsPrincipal user, LeaderboardService service, CancellationToken ct, long? steps = null)
    {
        if (steps is <= 0) return Problems.Field("steps", "Must be positive.");
        // Any name of the suite (its id or an alias, any case): links and clients that say atari keep working.
        return EnvironmentCatalog.SuiteNames.TryGetValue(suite, out var id) && await service.BuildAsync(id, user.GetTeamId(), steps, ct) is { } board
            ? TypedResults.Ok(board)
            : Problems.Status(StatusCodes.Status404NotFound, $"Unknown suite '{suite}'; expected one of {string.Join(", ", EnvironmentCatalog.SuiteNames.Keys)}.");
    }
}
