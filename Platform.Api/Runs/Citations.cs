using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Storage;

namespace Platform.Api.Runs;

/// <summary>
/// Something that cites a run or a checkpoint about to be deleted. Kind: <c>run</c> (another run uses the checkpoint: an
/// evaluation's or inspection's agent, a training run's meta-network) and <c>pipeline</c> (a pipeline is built on it) block
/// the deletion; <c>leaderboard</c>, <c>sweep</c>, <c>rerun</c> (a re-run keeps its results but loses the link) and
/// <c>source</c> (the run that made a checkpoint loses it) do not, but a delete that drops them must say so (force=true).
/// </summary>
public sealed record CitationDto(string Kind, bool Blocks, string Description, Guid? Id);

/// <summary>How a deletion ended: not found (or another team's), blocked (by an active run or a hard citation), refused
/// until the caller passes force (soft citations), or done.</summary>
public enum DeletionOutcome { NotFound, Blocked, NeedsForce, Deleted }

/// <summary>The citations both deletions look for, and removing stored files (never outside the storage root).</summary>
public static class Citations
{
    public const string Run = "run", Pipeline = "pipeline", Leaderboard = "leaderboard", Sweep = "sweep", Rerun = "rerun", Source = "source";

    /// <summary>
    /// The team's runs (other than <paramref name="exceptRunId"/>) that use a checkpoint. A run's spec names a checkpoint by its
    /// id wherever it uses one (an evaluation's or inspection's agent, a training run's meta-network:ID rule), so any mention
    /// in the spec's text counts, as does the meta-network a run was given.
    /// </summary>
    public static async Task<List<CitationDto>> RunsUsingAsync(PlatformDbContext db, Guid teamId, Guid checkpointId, Guid? exceptRunId,
        CancellationToken ct)
    {
        var text = checkpointId.ToString();
        var except = exceptRunId ?? Guid.Empty;
        var citing = await db.Runs
            .FromSql($"SELECT * FROM runs WHERE team_id = {teamId} AND id <> {except} AND (meta_network_checkpoint_id = {checkpointId} OR strpos(spec::text, {text}) > 0)")
            .AsNoTracking().OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.Name }).Take(20).ToListAsync(ct);
        return citing.Select(r => new CitationDto(Run, true, $"Run {r.Name ?? ShortIds.Of(r.Id)} uses checkpoint {ShortIds.Of(checkpointId)}.", r.Id)).ToList();
    }

    /// <summary>Deletes a stored file if it lies inside the storage root (a row written before locations were relative may name one elsewhere).</summary>
    public static void DeleteStoredFile(ArtifactStore store, string location, ILogger logger) => TryDelete(() =>
    {
        var path = store.Resolve(location);
        if (path.StartsWith(store.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) File.Delete(path);
    }, location, logger);

    /// <summary>Files go after the database change has committed: one that cannot be removed is logged, not an error.</summary>
    public static void TryDelete(Action delete, string what, ILogger logger)
    {
        try { delete(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            logger.LogWarning(ex, "A deleted record's file {File} could not be removed", what);
        }
    }
}
