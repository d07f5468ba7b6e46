namespace Platform.Api.Runs;

/// <summary>
/// Archiving hides a finished run, a sweep or a checkpoint from its lists (each list's <c>archived=true</c> shows them) and
/// keeps everything of it: results, files, leaderboard entries, links. How a request to archive or bring back ended: not
/// found (or another team's), refused (<see cref="ArchiveResult{T}.Reason"/> says why), or done.
/// </summary>
public enum ArchiveOutcome { NotFound, Refused, Done }

/// <summary>The outcome and, when done, the thing as it now is (null otherwise: a refusal's answer is its reason).</summary>
public sealed record ArchiveResult<T>(ArchiveOutcome Outcome, T? Value, string? Reason = null) where T : class;

public static class Archiving
{
    /// <summary>
    /// The instant an archive is stamped with, to PostgreSQL's microsecond: a sweep and its runs archived together carry the
    /// same stored value, which is how unarchiving the sweep finds the runs it archived.
    /// </summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }
}
