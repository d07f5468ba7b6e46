using System.Security.Claims;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Sweeps;

namespace Platform.Api.Endpoints;

/// <summary>/api/sweeps: a base run expanded over parameter values and seeds (issue #16), scoped to the caller's team.</summary>
public static class SweepEndpoints
{
    public static void MapSweepEndpoints(this IEndpointRouteBuilder app)
    {
        var sweeps = app.MapGroup("/api/sweeps").WithTags("Sweeps");
        sweeps.MapPost("/", Create).WithName("SubmitSweep").Accepts<SubmitSweepRequest>("application/json")
            .Produces<SweepCreatedDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Submit a sweep")
            .WithDescription($"method grid (every combination of the listed values) or random (count draws; a parameter may be a distribution " +
                             $"{{\"distribution\": \"uniform\" | \"log-uniform\" | \"int-uniform\", \"low\", \"high\"}}), times the seeds; at most " +
                             $"{SweepExpansion.MaxRuns} runs. Every run is validated against the run options and the quota is checked for all of " +
                             "them at once: a bad combination refuses the whole sweep and nothing is stored.");
        sweeps.MapGet("/", List).WithName("ListSweeps").Produces<IReadOnlyList<SweepListItemDto>>().ProducesValidationProblem()
            .WithSummary("The team's sweeps, newest first, with their runs' counts by status")
            .WithDescription("Archived sweeps are left out; archived=true lists only them.");
        sweeps.MapGet("/{id:guid}", Get).WithName("GetSweep").Produces<SweepDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One sweep: its runs, counts by status, each setting's final scores over seeds, the best setting, and per parameter the final score by value");
        sweeps.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelSweep")
            .Produces<SweepDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Cancel a sweep's unfinished runs");
        sweeps.MapPost("/{id:guid}/archive", Archive).WithName("ArchiveSweep")
            .Produces<SweepDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Archive a finished sweep and its runs")
            .WithDescription("The sweep and its runs leave their lists (archived=true lists them); results, files, leaderboard entries and " +
                             "links stay. 409 while any of its runs is queued or running.");
        sweeps.MapPost("/{id:guid}/unarchive", Unarchive).WithName("UnarchiveSweep")
            .Produces<SweepDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Bring an archived sweep and the runs it archived back into the lists");
        sweeps.MapGet("/{id:guid}/deletion", DeletionPreview).WithName("PreviewSweepDeletion")
            .Produces<SweepDeletionDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("What deleting a sweep would do")
            .WithDescription("Its runs go with it: their number, checkpoints, artifacts, metric points and the bytes of their files; what outside " +
                             "the sweep cites them (another run or a pipeline needing one blocks the deletion; a leaderboard or a re-run needs " +
                             "force=true); blocked says why it cannot be deleted now.");
        sweeps.MapDelete("/{id:guid}", Delete).WithName("DeleteSweep")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a sweep and all its runs for good")
            .WithDescription("One action for the sweep and every one of its runs, on the rules of deleting a run: 409 (with citations) while any " +
                             "of its runs is queued or running, while a run or pipeline outside the sweep needs one of them, or, without " +
                             "force=true, while a leaderboard or a re-run cites one.");
    }

    private static async Task<IResult> Create(HttpRequest request, ClaimsPrincipal user, SweepService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SubmitSweepRequest>(request);
        if (problem is not null) return problem;
        var result = await service.CreateAsync(body!, user.GetTeamId(), user.GetUserId(), ct);
        return result.Problem ?? TypedResults.Created($"/api/sweeps/{result.Created!.Id}", result.Created);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SweepService service, CancellationToken ct, bool archived = false) =>
        TypedResults.Ok(await service.ListAsync(user.GetTeamId(), archived, ct));

    private static async Task<IResult> Archive(Guid id, ClaimsPrincipal user, SweepService service, CancellationToken ct) =>
        Problems.Archive(await service.SetArchivedAsync(user.GetTeamId(), id, true, ct), "Sweep", s => s);

    private static async Task<IResult> Unarchive(Guid id, ClaimsPrincipal user, SweepService service, CancellationToken ct) =>
        Problems.Archive(await service.SetArchivedAsync(user.GetTeamId(), id, false, ct), "Sweep", s => s);

    private static async Task<IResult> Get(Guid id, ClaimsPrincipal user, SweepService service, CancellationToken ct) =>
        await service.GetAsync(user.GetTeamId(), id, ct) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound("Sweep");

    private static async Task<IResult> DeletionPreview(Guid id, ClaimsPrincipal user, SweepDeletion deletion, CancellationToken ct) =>
        await deletion.PreviewAsync(user.GetTeamId(), id, ct) is { } preview ? TypedResults.Ok(preview) : Problems.NotFound("Sweep");

    private static async Task<IResult> Delete(Guid id, ClaimsPrincipal user, SweepDeletion deletion, CancellationToken ct, bool force = false)
    {
        var (outcome, preview) = await deletion.DeleteAsync(user.GetTeamId(), id, force, ct);
        return Problems.Deletion(outcome, "Sweep", preview?.Blocked, preview?.Citations);
    }

    private static async Task<IResult> Cancel(Guid id, ClaimsPrincipal user, SweepService service, CancellationToken ct) =>
        await service.CancelAsync(user.GetTeamId(), id, ct) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound("Sweep");
}
