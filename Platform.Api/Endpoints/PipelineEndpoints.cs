using System.Security.Claims;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Pipelines;

namespace Platform.Api.Endpoints;

/// <summary>/api/pipelines: meta-train a rule, select it by meta-validation, evaluate it frozen beside the baselines (issue #18).</summary>
public static class PipelineEndpoints
{
    public static void MapPipelineEndpoints(this IEndpointRouteBuilder app)
    {
        var pipelines = app.MapGroup("/api/pipelines").WithTags("Pipelines");
        pipelines.MapPost("/", Create).WithName("SubmitPipeline").Accepts<SubmitPipelineRequest>("application/json")
            .Produces<PipelineCreatedDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Submit a transfer pipeline")
            .WithDescription("One meta-train run (with meta-validation: validate-every ≥ 1) and, at once, the baselines' train runs on the " +
                             "evaluation environments; when the meta-train run succeeds, the rule meta-validation selected is frozen and trains " +
                             $"fresh agents on the same environments, seeds and budget. At most {Sweeps.SweepExpansion.MaxRuns} runs; every run " +
                             "is validated and the quota checked for all of them before anything is stored.");
        pipelines.MapGet("/", List).WithName("ListPipelines").Produces<IReadOnlyList<PipelineListItemDto>>().WithSummary("The team's pipelines, newest first, with their runs' counts by status");
        pipelines.MapGet("/{id:guid}", Get).WithName("GetPipeline").Produces<PipelineDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One pipeline: its stage, the selected rule, and per rule and environment the scores, normalised, with each rule's IQM and 95 % CI");
        pipelines.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelPipeline").Produces<PipelineDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Cancel a pipeline: its unfinished runs, and the selected rule's runs are not made");
    }

    private static async Task<IResult> Create(HttpRequest request, ClaimsPrincipal user, PipelineService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SubmitPipelineRequest>(request);
        if (problem is not null) return problem;
        var result = await service.CreateAsync(body!, user.GetTeamId(), user.GetUserId(), ct);
        return result.Problem ?? TypedResults.Created($"/api/pipelines/{result.Created!.Id}", result.Created);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, PipelineService service, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(user.GetTeamId(), ct));

    private static async Task<IResult> Get(Guid id, ClaimsPrincipal user, PipelineService service, CancellationToken ct) =>
        await service.GetAsync(user.GetTeamId(), id, ct) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound("Pipeline");

    private static async Task<IResult> Cancel(Guid id, ClaimsPrincipal user, PipelineService service, CancellationToken ct) =>
        await service.CancelAsync(user.GetTeamId(), id, ct) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound("Pipeline");
}
