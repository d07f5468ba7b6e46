using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Auth;
using Platform.Api.Checkpoints;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Data.Runs;
using Platform.Data.Storage;

namespace Platform.Api.Endpoints;

/// <summary>
/// Step: the run's step (agents: environment steps; meta-networks: meta-steps); null for a checkpoint no run here wrote (an
/// upload, the released Disco103), whose step is unknown. Shared: visible to every team and read-only (the released Disco103).
/// MetaTrainedOn: for meta-networks, the environment ids and/or suites the rule was meta-trained on (null: unknown).
/// ValidationReturn and Selected: a meta-network of a run with meta-validation, its validation return and whether it is the
/// run's best-validated rule. ArchivedAt: when the team archived it (null: listed).
/// </summary>
public sealed record CheckpointDto(Guid Id, CheckpointKind Kind, string Name, Guid? RunId, long? Step, long SizeBytes,
    string Sha256, DateTimeOffset CreatedAt, bool Shared, List<string>? MetaTrainedOn = null, double? ValidationReturn = null, bool Selected = false,
    DateTimeOffset? ArchivedAt = null)
{
    public static CheckpointDto Of(Checkpoint c) => new(c.Id, c.Kind, c.Name, c.RunId, c.RunId is null ? null : c.Step, c.SizeBytes, c.Sha256,
        c.CreatedAt, c.TeamId is null, c.MetaTrainedOn, c.ValidationReturn, c.Selected, c.ArchivedAt);
}

/// <summary>The multipart/form-data body of POST /api/checkpoints.</summary>
/// <remarks>The endpoint reads the form itself, to check the file before storing anything: this type only describes the body in
/// the OpenAPI document.</remarks>
public sealed class UploadMetaNetworkForm
{
    /// <summary>The .npz file, in the Disco103 layout.</summary>
    public required IFormFile File { get; init; }
    /// <summary>1 to 100 printable characters.</summary>
    public required string Name { get; init; }
    /// <summary>Optional: comma-separated environment ids or suites the rule was meta-trained on.</summary>
    public string? MetaTrainedOn { get; init; }
}

public static class CheckpointEndpoints
{
    public const string ChecksumHeader = "X-Checksum-Sha256";
    /// <summary>The 409 of an upload the team already has: that checkpoint's id and name, beside the message.</summary>
    public const string ExistingIdMember = "checkpointId", ExistingNameMember = "checkpointName";

    public static void MapCheckpointEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/checkpoints").WithTags("Checkpoints");
        group.MapGet("/", List).WithName("ListCheckpoints").Produces<List<CheckpointDto>>().ProducesValidationProblem()
            .WithSummary("The team's checkpoints and shared ones, newest first")
            .WithDescription("Archived checkpoints are left out (archived=true lists only them), except that runId alone lists all of " +
                             "that run's checkpoints, archived ones marked by archivedAt.");
        group.MapGet("/{id:guid}/download", Download).WithName("DownloadCheckpoint")
            .WithSummary("Download a checkpoint file")
            .WithDescription("Streams the stored file (range requests supported); X-Checksum-Sha256 carries its SHA-256 in hex. " +
                             "contents=policy (agent checkpoints): a smaller zip with only what acting needs, run.json and " +
                             "checkpoints/step-…/agent.npz (a run folder for the worker's evaluate/replay --checkpoint), without the " +
                             "optimiser, target network and replay buffer that resuming needs; made on request, so no checksum header. " +
                             "Content-Disposition names the file after its kind, environment, rule, run and step.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream", "application/zip")
            .WithResponseHeader(StatusCodes.Status200OK, ChecksumHeader, "The stored file's SHA-256, in lower-case hex (not for contents=policy).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/archive", Archive).WithName("ArchiveCheckpoint")
            .Produces<CheckpointDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Archive a checkpoint")
            .WithDescription("Lists and the run form's pickers leave it out; it still downloads, runs that use it keep it, and its run's " +
                             "page still lists it. 409 for a shared checkpoint (the released Disco103).");
        group.MapPost("/{id:guid}/unarchive", Unarchive).WithName("UnarchiveCheckpoint")
            .Produces<CheckpointDto>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Bring an archived checkpoint back into the lists");
        group.MapGet("/{id:guid}/deletion", DeletionPreview).WithName("PreviewCheckpointDeletion")
            .Produces<CheckpointDeletionDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("What deleting a checkpoint would do")
            .WithDescription("The bytes its file frees and what cites it: runs using it and pipelines that selected it block a deletion, " +
                             "as does being shared (the released Disco103); the run that made it does not, but needs force=true.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteCheckpoint")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a checkpoint and its file")
            .WithDescription("409 (with citations) for a shared checkpoint, one a run or a pipeline uses, or, without force=true, a run's own.");
        group.MapPost("/{id:guid}/evaluate", EvaluateOnSuite).WithName("EvaluateOnSuite")
            .Accepts<EvaluateOnSuiteRequest>("application/json")
            .Produces<SuiteEvaluationDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Evaluate a meta-network on a suite")
            .WithDescription("Body {suite, steps, seeds[, queue, hyperparameters, tags]}: submits one train run per environment of the " +
                             "suite and seed, with this frozen meta-network as the rule (rule meta-network:ID, tagged meta-network:ID and " +
                             "suite-eval:SUITE). Returns the created run ids. With an Idempotency-Key header a repeat returns the same runs.");
        group.MapPost("/", Upload).WithName("UploadMetaNetwork")
            .Accepts<UploadMetaNetworkForm>("multipart/form-data")
            .WithSummary("Upload a meta-network (.npz in the Disco103 layout)")
            .WithDescription("multipart/form-data with fields 'file' (the .npz), 'name' and optionally 'metaTrainedOn' " +
                             "(comma-separated environment ids or suites the rule was meta-trained on). Every array is checked against " +
                             "the Disco103 architecture (names, shapes, dtype, finite values) before anything is stored. A file with the " +
                             "SHA-256 of a checkpoint the team already has (the released Disco103 included) is refused with 409, naming " +
                             "that checkpoint (checkpointId, checkpointName). An upload has no step (null).")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimits.Uploads)
            .WithMetadata(new RequestSizeLimitAttribute(PlatformOptions.DefaultMaxUploadBytes))
            .Produces<CheckpointDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    private static async Task<IResult> Upload(HttpRequest request, ClaimsPrincipal user, PlatformDbContext db,
        IOptions<PlatformOptions> options, ArtifactStore store, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with fields 'file' and 'name'.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, "The upload is too large.", "file");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problems.Field("file", "The multipart body could not be read: " + ex.Message);
        }

        var name = form["name"].ToString().Trim();
        if (name.Length is 0 or > 100 || name.Any(char.IsControl))
            return Problems.Field("name", "A name of 1 to 100 printable characters is required.");
        // Optional provenance: comma-separated environment ids and/or suites (the catalogue's, or the paper's atari, dmlab).
        var trainedOn = form["metaTrainedOn"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();
        if (trainedOn.Count > 32) return Problems.Field("metaTrainedOn", "At most 32 entries.");
        foreach (var item in trainedOn)
            if (!EnvironmentCatalog.PaperSuites.ContainsKey(item) && !await db.Suites.AnyAsync(x => x.Id == item, ct) && !await db.Environments.AnyAsync(e => e.Id == item, ct))
                return Problems.Field("metaTrainedOn", $"'{item}' is neither an environment id, a suite ({string.Join(", ", EnvironmentCatalog.Suites.Select(s => s.Id))}) " +
                    $"nor a suite of the paper ({string.Join(", ", EnvironmentCatalog.PaperSuites.Keys)}).");
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0) return Problems.Field("file", "A non-empty .npz file is required.");
        if (file.Length > options.Value.MaxUploadBytes)
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, "The upload is too large.", "file");

        // Validate everything in memory first: nothing is written unless the file is a valid meta-network.
        byte[] bytes;
        using (var buffer = new MemoryStream((int)file.Length))
        {
            await file.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var teamId = user.GetTeamId();
        // The same file twice is one rule under two ids: leaderboards and suite evaluations would split its runs.
        if (await Visible(db, teamId).Where(c => c.Sha256 == sha).Select(c => new { c.Id, c.Name }).FirstOrDefaultAsync(ct) is { } existing)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                detail: $"This file is already the checkpoint \"{existing.Name}\" ({existing.Id}); nothing was stored.",
                extensions: new Dictionary<string, object?> { [ExistingIdMember] = existing.Id, [ExistingNameMember] = existing.Name });
        try
        {
            // Bounded by the layout itself: nothing larger than a Disco103 meta-network is ever inflated.
            var arrays = Npz.Read(new MemoryStream(bytes, writable: false), MetaNetworkValidator.ReadLimits());
            MetaNetworkValidator.Validate(arrays);
        }
        catch (NpyFormatException ex)
        {
            return Problems.Field("file", "Not a readable .npz file: " + ex.Message);
        }
        catch (MetaNetworkFormatException ex)
        {
            return Problems.Field("file", "Not a Disco103-layout meta-network: " + ex.Message);
        }

        var id = Guid.NewGuid();
        var relative = ArtifactStore.UploadLocation(id);
        var path = store.Resolve(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".uploading";
        await File.WriteAllBytesAsync(temporary, bytes, ct);
        File.Move(temporary, path);

        var checkpoint = new Checkpoint
        {
            Id = id, Kind = CheckpointKind.MetaNetwork, TeamId = teamId, Name = name, Step = 0,
            SizeBytes = bytes.Length, Sha256 = sha,
            StorageUri = relative, CreatedAt = DateTimeOffset.UtcNow, MetaTrainedOn = trainedOn.Count > 0 ? trainedOn : null,
        };
        db.Checkpoints.Add(checkpoint);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            File.Delete(path);   // the row failed: leave no orphan file behind
            throw;
        }
        return TypedResults.Created($"/api/checkpoints/{id}", CheckpointDto.Of(checkpoint));
    }

    private static async Task<IResult> EvaluateOnSuite(Guid id, HttpRequest request, ClaimsPrincipal user, SuiteEvaluation evaluation, CancellationToken ct)
    {
        var key = request.Headers[RunEndpoints.IdempotencyHeader].ToString();
        if (key.Length > 150) return Problems.Field(RunEndpoints.IdempotencyHeader, "At most 150 characters.");
        var (body, problem) = await JsonBody.ReadAsync<EvaluateOnSuiteRequest>(request);
        if (problem is not null) return problem;

        var outcome = await evaluation.SubmitAsync(id, body!, user.GetTeamId(), user.GetUserId(), key.Length == 0 ? null : key, ct);
        if (outcome.CheckpointNotFound) return Problems.NotFound("Checkpoint");
        if (outcome.Errors is not null) return Problems.Validation(outcome.Errors);
        if (outcome.Refusal is { } refusal) return Problems.Quota(refusal);
        return TypedResults.Created($"/api/runs?tag={Uri.EscapeDataString(RuleReference.MetaNetwork(id).ToString())}", outcome.Result);
    }

    private static async Task<IResult> DeletionPreview(Guid id, ClaimsPrincipal user, CheckpointDeletion deletion, CancellationToken ct) =>
        await deletion.PreviewAsync(user.GetTeamId(), id, ct) is { } preview ? TypedResults.Ok(preview) : Problems.NotFound("Checkpoint");

    private static async Task<IResult> Delete(Guid id, ClaimsPrincipal user, CheckpointDeletion deletion, CancellationToken ct, bool force = false)
    {
        var (outcome, preview) = await deletion.DeleteAsync(user.GetTeamId(), id, force, ct);
        return Problems.Deletion(outcome, "Checkpoint", preview?.Blocked, preview?.Citations);
    }

    private static async Task<IResult> Archive(Guid id, ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct) =>
        Problems.Archive(await CheckpointArchiving.SetAsync(db, user.GetTeamId(), id, true, ct), "Checkpoint", CheckpointDto.Of);

    private static async Task<IResult> Unarchive(Guid id, ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct) =>
        Problems.Archive(await CheckpointArchiving.SetAsync(db, user.GetTeamId(), id, false, ct), "Checkpoint", CheckpointDto.Of);

    private static IQueryable<Checkpoint> Visible(PlatformDbContext db, Guid teamId) =>
        db.Checkpoints.AsNoTracking().Where(c => c.TeamId == null || c.TeamId == teamId);

    private static async Task<IResult> List(ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct,
        string? kind = null, Guid? runId = null, int limit = 100, bool? archived = null)
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
        // A run's page lists all its checkpoints; every other list leaves archived ones out unless asked for them.
        if (archived is { } onlyArchived) query = query.Where(c => (c.ArchivedAt != null) == onlyArchived);
        else if (runId is null) query = query.Where(c => c.ArchivedAt == null);
        var rows = await query.OrderByDescending(c => c.CreatedAt).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(CheckpointDto.Of).ToList());
    }

    // contents: full (default), the stored file; policy, an agent checkpoint's policy alone (PolicyPackage).
    private static async Task<IResult> Download(Guid id, ClaimsPrincipal user, PlatformDbContext db, HttpResponse response,
        ArtifactStore store, CancellationToken ct, string? contents = null)
    {
        var what = CheckpointContents.Full;
        if (contents is not null && !WireNames.TryParse(contents, out what))
            return Problems.Field("contents", $"Expected one of {string.Join(", ", WireNames.All<CheckpointContents>())}.");
        var checkpoint = await Visible(db, user.GetTeamId()).Include(c => c.Run).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (checkpoint is null) return Problems.NotFound("Checkpoint");
        if (what == CheckpointContents.Policy && checkpoint.Kind != CheckpointKind.Agent)
            return Problems.Field("contents", "Only agent checkpoints have a policy-only download; a meta-network file holds nothing else.");

        var path = store.Resolve(checkpoint.StorageUri);
        var fileName = CheckpointFileNames.For(checkpoint, what);
        if (what == CheckpointContents.Policy)
            return await PolicyPackage.FindAsync(path, checkpoint.Step, ct) is { } package
                ? TypedResults.Stream(body => package.WriteAsync(body, ct), "application/zip", fileName)
                : Problems.Status(StatusCodes.Status404NotFound, "The checkpoint's policy (its zip's agent parameters or its run's run.json) is missing from storage.");

        if (!File.Exists(path)) return Problems.Status(StatusCodes.Status404NotFound, "The checkpoint's file is missing from storage.");
        response.Headers[ChecksumHeader] = checkpoint.Sha256.Trim();
        return TypedResults.PhysicalFile(path, "application/octet-stream", fileName, enableRangeProcessing: true);
    }
}
