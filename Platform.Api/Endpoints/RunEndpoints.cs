using System.Security.Claims;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Runs;
using Platform.Data.Storage;

namespace Platform.Api.Endpoints;

public static class RunEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Points per series a metrics read returns when it does not say (each series is downsampled beyond).</summary>
    public const int DefaultMaxPoints = 5_000;
    public const int MaxMaxPoints = 100_000;

    public static void MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs");

        runs.MapPost("/", Submit).WithName("SubmitRun")
            .Accepts<SubmitRunRequest>("application/json")
            .Produces<RunDto>(StatusCodes.Status201Created).Produces<RunDto>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Submit a run")
            .WithDescription("Validates the spec, stores the run and enqueues it on the cpu or gpu queue. " +
                             "With an Idempotency-Key header, repeating the request returns the first run (200) instead of creating another.");
        runs.MapGet("/", List).WithName("ListRuns").Produces<RunPage>().ProducesValidationProblem()
            .WithSummary("List the team's runs, newest first");
        runs.MapGet("/{id:guid}", Get).WithName("GetRun").Produces<RunDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One run");
        runs.MapPatch("/{id:guid}", Rename).WithName("RenameRun")
            .Accepts<RenameRunRequest>("application/json")
            .Produces<RunDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Rename a run")
            .WithDescription($"name: {RunNames.Rule}; unique within the team (409 names the run that has it).");
        runs.MapGet("/{id:guid}/metrics", Metrics).WithName("GetRunMetrics")
            .Produces<RunMetricsDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A run's metric series")
            .WithDescription($"name picks one series (default: all); maxPoints downsamples each to at most that many points (bucket means; " +
                             $"default {DefaultMaxPoints:N0}, at most {MaxMaxPoints:N0}): a read is bounded however long the run was.");
        runs.MapGet("/{id:guid}/replay", Replay).WithName("GetRunReplay")
            .Produces<Stream>(StatusCodes.Status200OK, "image/gif").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A replay of the run's final policy (animated GIF)")
            .WithDescription("Recorded by the worker when a training run succeeds; 404 while the run has none.");
        runs.MapPost("/{id:guid}/rerun", Rerun).WithName("CreateRerun")
            .Produces<RunDto>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Re-run a run")
            .WithDescription("A new run with the original's spec and seed (quota-checked like a submission), marked as its re-run (rerunOfId). " +
                             "When both have finished, GET /api/runs/{id}/rerun-comparison says whether the re-run's metrics match bit for bit.");
        runs.MapGet("/{id:guid}/rerun-comparison", CompareRerun).WithName("CompareRerun")
            .Produces<RerunComparisonDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A re-run against its original")
            .WithDescription("outcome: pending (not both finished), identical (every metric point equal, wall-clock rates left out) or differs " +
                             "(the first step and metric where they differ); and whether machine kind, resolved configuration and code were the same.");
        runs.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelRun")
            .Produces<RunDto>().Produces<RunDto>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancel a run")
            .WithDescription("A queued run is cancelled at once (200); a running one is asked to stop (202); a finished one gives 409.");
        runs.MapPost("/{id:guid}/archive", Archive).WithName("ArchiveRun")
            .Produces<RunDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Archive a finished run")
            .WithDescription("Lists leave it out (GET /api/runs?archived=true lists the archived ones); its results, files, leaderboard " +
                             "entries and links stay. 409 while it is queued or running.");
        runs.MapPost("/{id:guid}/unarchive", Unarchive).WithName("UnarchiveRun")
            .Produces<RunDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Bring an archived run back into the lists");
        runs.MapGet("/{id:guid}/deletion", DeletionPreview).WithName("PreviewRunDeletion")
            .Produces<RunDeletionDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("What deleting a run would do")
            .WithDescription("The checkpoints, artifacts and metric points that would go with it and the bytes of their files; what cites it " +
                             "(other runs using its checkpoints and pipelines built on it block a deletion; a leaderboard, a sweep or a re-run " +
                             "does not, but needs force=true); blocked says why it cannot be deleted now.");
        runs.MapDelete("/{id:guid}", Delete).WithName("DeleteRun")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a run for good")
            .WithDescription("Removes the run, its metric points, artifacts and checkpoints, and their files. 409 (with citations) while it is " +
                             "queued or running, while another run or a pipeline needs it, or, without force=true, while a leaderboard, " +
                             "a sweep or a re-run cites it.");
    }

    private static Task<IResult> Archive(Guid id, ClaimsPrincipal user, RunService service, CancellationToken ct) =>
        SetArchivedAsync(id, true, user, service, ct);

    private static Task<IResult> Unarchive(Guid id, ClaimsPrincipal user, RunService service, CancellationToken ct) =>
        SetArchivedAsync(id, false, user, service, ct);

    private static async Task<IResult> SetArchivedAsync(Guid id, bool archived, ClaimsPrincipal user, RunService service, CancellationToken ct) =>
        Problems.Archive(await service.SetArchivedAsync(user.GetTeamId(), id, archived, ct), "Run", r => RunDto.From(r));

    private static async Task<IResult> DeletionPreview(Guid id, ClaimsPrincipal user, RunDeletion deletion, CancellationToken ct) =>
        await deletion.PreviewAsync(user.GetTeamId(), id, ct) is { } preview ? TypedResults.Ok(preview) : Problems.NotFound("Run");

    private static async Task<IResult> Delete(Guid id, ClaimsPrincipal user, RunDeletion deletion, CancellationToken ct, bool force = false)
    {
        var (outcome, preview) = await deletion.DeleteAsync(user.GetTeamId(), id, force, ct);
        return Problems.Deletion(outcome, "Run", preview?.Blocked, preview?.Citations);
    }

    private static async Task<IResult> Submit(HttpRequest request, ClaimsPrincipal user, PlatformDbContext db, RunService service, CancellationToken ct)
    {
        var key = request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 200) return Problems.Field(IdempotencyHeader, "At most 200 characters.");

        var (body, problem) = await JsonBody.ReadAsync<SubmitRunRequest>(request);
        if (problem is not null) return problem;

        var (spec, errors) = await RunSpecValidator.ValidateAsync(body!, user.GetTeamId(), db, ct);
        if (RunNames.Problem(body!.Name) is { } nameProblem) errors["name"] = [nameProblem];
        if (spec is null || errors.Count > 0) return Problems.Validation(errors);

        var result = await service.SubmitAsync(spec, user.GetTeamId(), user.GetUserId(), key.Length == 0 ? null : key, ct, name: body.Name);
        if (result.Refusal is { } refusal) return Problems.Quota(refusal);
        if (result.NameTakenBy is { } holder) return Problems.Field("name", NameTaken(holder));
        var dto = RunDto.From(result.Run!);
        if (result.Created) return TypedResults.Created($"/api/runs/{dto.Id}", dto);
        request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(dto);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, RunService service, CancellationToken ct,
        string? env = null, string? rule = null, string? status = null, string? kind = null, string? tag = null,
        int page = 1, int pageSize = 50, bool archived = false)
    {
        var errors = new Dictionary<string, string[]>();
        RunStatus? statusFilter = null;
        if (status is not null)
        {
            if (WireNames.TryParse<RunStatus>(status, out var s)) statusFilter = s;
            else errors["status"] = [$"Expected one of {string.Join(", ", WireNames.All<RunStatus>())}."];
        }
        RunKind? kindFilter = null;
        if (kind is not null)
        {
            if (WireNames.TryParse<RunKind>(kind, out var k)) kindFilter = k;
            else errors["kind"] = [$"Expected one of {string.Join(", ", WireNames.All<RunKind>())}."];
        }
        if (page < 1) errors["page"] = ["Must be 1 or more."];
        if (pageSize is < 1 or > 200) errors["pageSize"] = ["Must be between 1 and 200."];
        if (errors.Count > 0) return Problems.Validation(errors);

        return TypedResults.Ok(await service.ListAsync(user.GetTeamId(),
            new RunQuery(env, rule, statusFilter, kindFilter, tag, page, pageSize, archived), ct));
    }

    private static async Task<IResult> Get(Guid id, ClaimsPrincipal user, RunService service, CancellationToken ct) =>
        await service.GetAsync(user.GetTeamId(), id, ct) is { } run
            ? TypedResults.Ok(RunDto.From(run, withProvenance: true))
            : Problems.NotFound("Run");

    private static async Task<IResult> Metrics(Guid id, ClaimsPrincipal user, RunService service, MetricQueries metrics,
        CancellationToken ct, string? name = null, int? maxPoints = null)
    {
        if (maxPoints is < 2 or > MaxMaxPoints) return Problems.Field("maxPoints", $"Must be between 2 and {MaxMaxPoints}.");
        maxPoints ??= DefaultMaxPoints;
        if (await service.MetricsVersionAsync(user.GetTeamId(), id, ct) is not { } version) return Problems.NotFound("Run");
        return TypedResults.Bytes(await metrics.ReadJsonAsync(id, version, name, maxPoints, ct), "application/json");
    }

    private static async Task<IResult> Rerun(Guid id, ClaimsPrincipal user, RunService service, CancellationToken ct)
    {
        if (await service.RerunAsync(user.GetTeamId(), user.GetUserId(), id, ct) is not { } result) return Problems.NotFound("Run");
        if (result.Refusal is { } refusal) return Problems.Quota(refusal);
        return TypedResults.Created($"/api/runs/{result.Run!.Id}", RunDto.From(result.Run!));
    }

    private static async Task<IResult> CompareRerun(Guid id, ClaimsPrincipal user, RunService service, RerunComparison comparison, CancellationToken ct)
    {
        if (await service.GetAsync(user.GetTeamId(), id, ct) is not { } run) return Problems.NotFound("Run");
        return await comparison.CompareAsync(run, ct) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound("Original run");
    }

    private static async Task<IResult> Replay(Guid id, ClaimsPrincipal user, RunService service, PlatformDbContext db, ArtifactStore store,
        CancellationToken ct)
    {
        if (await service.GetAsync(user.GetTeamId(), id, ct) is null) return Problems.NotFound("Run");
        // The worker registers the replay it records as an artifact of the run. Runs from before replays were rows have
        // theirs in the run's folder, beside the agent checkpoint zip.
        var replay = await db.Artifacts.AsNoTracking().FirstOrDefaultAsync(a => a.RunId == id && a.Kind == ArtifactKind.Replay, ct);
        var path = replay is not null ? store.Resolve(replay.StorageUri) : null;
        if (path is null && await db.Checkpoints.AsNoTracking().Where(c => c.RunId == id && c.Kind == CheckpointKind.Agent)
                .OrderByDescending(c => c.Step).Select(c => c.StorageUri).FirstOrDefaultAsync(ct) is { } zip)
            path = Path.Combine(Path.GetDirectoryName(store.Resolve(zip))!, RunFolderLayout.ReplayFile);
        if (path is null || !File.Exists(path))
            return Problems.Status(StatusCodes.Status404NotFound, "This run has no replay yet: the worker records one when a training run succeeds.");
        return TypedResults.PhysicalFile(path, "image/gif", lastModified: File.GetLastWriteTimeUtc(path));
    }

    private static string NameTaken(Guid holder) => $"Another of the team's runs ({holder}) has this name.";

    private static async Task<IResult> Rename(Guid id, HttpRequest request, ClaimsPrincipal user, RunService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<RenameRunRequest>(request);
        if (problem is not null) return problem;
        if (body!.Name is null) return Problems.Field("name", "Required.");
        if (RunNames.Problem(body.Name) is { } nameProblem) return Problems.Field("name", nameProblem);
        var (outcome, run, holder) = await service.RenameAsync(user.GetTeamId(), id, body.Name, ct);
        return outcome switch
        {
            RunService.RenameOutcome.NotFound => Problems.NotFound("Run"),
            RunService.RenameOutcome.Taken => Problems.Status(StatusCodes.Status409Conflict, NameTaken(holder!.Value), "name"),
            _ => TypedResults.Ok(RunDto.From(run!)),
        };
    }

    private static async Task<IResult> Cancel(Guid id, ClaimsPrincipal user, RunService service, CancellationToken ct)
    {
        var (outcome, run) = await service.CancelAsync(user.GetTeamId(), id, ct);
        return outcome switch
        {
            RunService.CancelOutcome.NotFound => Problems.NotFound("Run"),
            RunService.CancelOutcome.Cancelled => TypedResults.Ok(RunDto.From(run!)),
            RunService.CancelOutcome.Requested => TypedResults.Accepted($"/api/runs/{id}", RunDto.From(run!)),
            _ => Problems.Status(StatusCodes.Status409Conflict, $"The run has already finished ({WireNames.ToWire(run!.Status)})."),
        };
    }
}
