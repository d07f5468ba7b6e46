using Microsoft.EntityFrameworkCore;
using Platform.Data;

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

/// <summary>The citations both deletions look for.</summary>
public static class Citations
{
    public const string Run = "run", Pipeline = "pipeline", Leaderboard = "leaderboard", Sweep = "sweep", Rerun = "rerun", Source = "source";

    /// <summary>At most this many citing runs are listed (a deletion is blocked by the first).</summary>
    private const int MaxListed = 20;

    /// <summary>
    /// The team's runs (other than <paramref name="exceptRunIds"/>) that use any of the checkpoints, in one query. A run's spec
    /// names a checkpoint by its id wherever it uses one (an evaluation's or inspection's agent, a training run's
    /// meta-network:ID rule), so any mention in the spec's text counts, as does the meta-network a run was given.
    /// </summary>
    public static async Task<List<CitationDto>> RunsUsingAsync(PlatformDbContext db, Guid teamId, IReadOnlyCollection<Guid> checkpointIds,
        IReadOnlyCollection<Guid> exceptRunIds, CancellationToken ct)
    {
        if (checkpointIds.Count == 0) return [];
        var ids = checkpointIds.ToArray();
        var texts = ids.Select(i => i.ToString()).ToArray();
        var except = exceptRunIds.ToArray();
        var citing = await db.Runs
            .FromSql($"SELECT * FROM runs WHERE team_id = {teamId} AND NOT (id = ANY({except})) AND (meta_network_checkpoint_id = ANY({ids}) OR EXISTS (SELECT 1 FROM unnest({texts}) AS c(id) WHERE strpos(spec::text, c.id) > 0))")
            .AsNoTracking().OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.Name, r.MetaNetworkCheckpointId, r.Spec }).Take(MaxListed).ToListAsync(ct);
        return citing.Select(r =>
        {
            var used = ids.First(i => r.MetaNetworkCheckpointId == i || r.Spec.Contains(i.ToString(), StringComparison.Ordinal));
            return new CitationDto(Run, true, $"Run {r.Name ?? ShortIds.Of(r.Id)} uses checkpoint {ShortIds.Of(used)}.", r.Id);
        }).ToList();
    }
}
