using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;
using Platform.Data.Storage;

namespace Platform.Api.Endpoints;

/// <summary>POST /api/checkpoints/{id}/inspect: an agent checkpoint's inspection; every field optional.</summary>
public sealed class InspectCheckpointRequest
{
    /// <summary>The rule to apply: the agent's own (default), or disco103 | meta-network:ID for an agent trained with a meta-learned rule.</summary>
    public string? Rule { get; set; }
    /// <summary>Default: the agent's own environment.</summary>
    public string? Env { get; set; }
    public int? Episodes { get; set; }
    public long? Seed { get; set; }
    /// <summary>Options of the inspect table (GET /api/run-options), e.g. "ends-within".</summary>
    public Dictionary<string, System.Text.Json.JsonElement>? Hyperparameters { get; set; }
}

/// <summary>
/// The rule inspector over HTTP (issue #17): an inspection is a run of kind inspect on the cpu queue, scoped to the team like
/// any run; its report (inspection.json) is the run's inspection artifact.
/// </summary>
public static class InspectionEndpoints
{
    public static void MapInspectionEndpoints(this IEndpointRouteBuilder app)
    {
        var checkpoints = app.MapGroup("/api/checkpoints").WithTags("Checkpoints");
        checkpoints.MapPost("/{id:guid}/inspect", Submit).WithName("InspectCheckpoint")
            .Accepts<InspectCheckpointRequest>("application/json")
            .Produces<RunDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Inspect what a rule asks of an agent checkpoint")
            .WithDescription("Body {rule?, env?, episodes?, seed?, hyperparameters?}: a run of kind inspect on the cpu queue rolls the agent " +
                             "out for the episodes and applies the rule as the learner would; GET /api/checkpoints/{id}/inspect or " +
                             "GET /api/runs/{runId}/inspection returns the report when it succeeds.");
        checkpoints.MapGet("/{id:guid}/inspect", Latest).WithName("GetCheckpointInspection")
            .Produces<JsonObject>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The newest inspection report of an agent checkpoint (404 until one has succeeded)");
        app.MapGroup("/api/runs").WithTags("Runs").MapGet("/{id:guid}/inspection", OfRun).WithName("GetRunInspection")
            .Produces<JsonObject>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An inspect run's report (404 until the run has succeeded)");
    }

    private static async Task<IResult> Submit(Guid id, HttpRequest request, ClaimsPrincipal user, PlatformDbContext db, RunService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<InspectCheckpointRequest>(request);
        if (problem is not null) return problem;
        var teamId = user.GetTeamId();
        if (!await db.Checkpoints.AsNoTracking().AnyAsync(c => c.Id == id && c.Kind == CheckpointKind.Agent && (c.TeamId == null || c.TeamId == teamId), ct))
            return Problems.NotFound("Agent checkpoint");
        var (spec, errors) = await RunSpecValidator.ValidateAsync(new SubmitRunRequest
        {
            Kind = RunOptionTables.Inspect, AgentCheckpointId = id, Rule = body!.Rule, Env = body.Env, Episodes = body.Episodes, Seed = body.Seed,
            Hyperparameters = body.Hyperparameters, Queue = WireNames.ToWire(RunQueue.Cpu),
        }, teamId, db, ct);
        if (spec is null) return Problems.Validation(errors);
        var result = await service.SubmitAsync(spec, teamId, user.GetUserId(), null, ct);
        if (result.Refusal is { } refusal) return Problems.Quota(refusal);
        return TypedResults.Created($"/api/runs/{result.Run!.Id}/inspection", RunDto.From(result.Run!));
    }

    private static async Task<IResult> Latest(Guid id, ClaimsPrincipal user, PlatformDbContext db, ArtifactStore store, CancellationToken ct)
    {
        var teamId = user.GetTeamId();
        var agent = id.ToString();
        // The team's newest succeeded inspect run of this checkpoint (its spec names the checkpoint).
        var run = await db.Runs.FromSql($"SELECT * FROM runs WHERE team_id = {teamId} AND kind = 'inspect' AND status = 'succeeded' AND spec ->> 'agentCheckpointId' = {agent}")
            .AsNoTracking().OrderByDescending(r => r.FinishedAt).Select(r => r.Id).FirstOrDefaultAsync(ct);
        return run == Guid.Empty ? Problems.Status(StatusCodes.Status404NotFound, "This checkpoint has no finished inspection: POST /api/checkpoints/{id}/inspect starts one.")
            : await ReportAsync(run, db, store, ct);
    }

    private static async Task<IResult> OfRun(Guid id, ClaimsPrincipal user, RunService service, PlatformDbContext db, ArtifactStore store, CancellationToken ct)
    {
        if (await service.GetAsync(user.GetTeamId(), id, ct) is not { } run) return Problems.NotFound("Run");
        if (run.Kind != RunKind.Inspect) return Problems.Status(StatusCodes.Status404NotFound, "Only inspect runs have an inspection report.");
        return await ReportAsync(id, db, store, ct);
    }

    private static async Task<IResult> ReportAsync(Guid runId, PlatformDbContext db, ArtifactStore store, CancellationToken ct)
    {
        var artifact = await db.Artifacts.AsNoTracking().FirstOrDefaultAsync(a => a.RunId == runId && a.Kind == ArtifactKind.Inspection, ct);
        var path = artifact is null ? null : store.Resolve(artifact.StorageUri);
        if (path is null || !File.Exists(path))
            return Problems.Status(StatusCodes.Status404NotFound, "The inspection has no report yet: it is written when the inspect run succeeds.");
        return TypedResults.PhysicalFile(path, "application/json", lastModified: File.GetLastWriteTimeUtc(path));
    }
}
