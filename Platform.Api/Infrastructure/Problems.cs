namespace Platform.Api.Infrastructure;

/// <summary>Every error the API returns is RFC 9457 ProblemDetails; validation errors list fields under "errors".</summary>
public static class Problems
{
    public static IResult Field(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors,
            detail: "Invalid field(s): " + string.Join(", ", errors.Keys) + ".");

    public static IResult Status(int status, string detail, string? field = null) =>
        field is null
            ? TypedResults.Problem(detail: detail, statusCode: status)
            : TypedResults.Problem(detail: detail, statusCode: status,
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });

    /// <summary>
    /// A deletion's answer: 204 when done, 404 for <paramref name="what"/> not found, else 409 with why and what cites the
    /// record under "citations" (repeating with force=true deletes it when nothing blocks).
    /// </summary>
    public static IResult Deletion(Runs.DeletionOutcome outcome, string what, string? blocked, IReadOnlyList<Runs.CitationDto>? citations) => outcome switch
    {
        Runs.DeletionOutcome.Deleted => TypedResults.NoContent(),
        Runs.DeletionOutcome.NotFound => NotFound(what),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            detail: outcome == Runs.DeletionOutcome.Blocked ? blocked
                : $"{string.Join(" ", citations!.Select(c => c.Description))} Repeat with force=true to delete it anyway.",
            extensions: new Dictionary<string, object?> { ["citations"] = citations }),
    };

    /// <summary>An archive request's answer: the thing as it now is (200), 404, or 409 with the reason it was refused.</summary>
    public static IResult Archive<T, TDto>(Runs.ArchiveResult<T> result, string what, Func<T, TDto> dto) where T : class => result.Outcome switch
    {
        Runs.ArchiveOutcome.NotFound => NotFound(what),
        Runs.ArchiveOutcome.Refused => Status(StatusCodes.Status409Conflict, result.Reason!),
        _ => TypedResults.Ok(dto(result.Value!)),
    };

    public static IResult NotFound(string what) => Status(StatusCodes.Status404NotFound, $"{what} not found.");

    /// <summary>A quota's refusal: a value beyond the team's limits is a 400 on its field, too many runs a 429.</summary>
    public static IResult Quota(Runs.QuotaRefusal refusal) =>
        refusal.Status == StatusCodes.Status400BadRequest ? Field(refusal.Field, refusal.Message) : Status(refusal.Status, refusal.Message, refusal.Field);
}
