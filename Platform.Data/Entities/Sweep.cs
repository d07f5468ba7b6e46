namespace Platform.Data.Entities;

/// <summary>
/// A hyperparameter sweep (POST /api/sweeps): one base submission expanded over parameter values (grid or random draws)
/// and seeds into runs of the same team, each marked with <see cref="Run.SweepId"/> and its point
/// (<see cref="Run.SweepPoint"/>). The runs go through the same queue as any other.
/// </summary>
public class Sweep
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public Guid? CreatedByUserId { get; set; }
    public required string Name { get; set; }
    /// <summary>grid | random.</summary>
    public required string Method { get; set; }
    /// <summary>The request as validated (jsonb): base, parameters, count, seeds, the random draws' seed.</summary>
    public required string Definition { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CancelRequestedAt { get; set; }
    /// <summary>
    /// When the sweep was archived (null: it is listed). Archiving a sweep archives its runs at the same instant, so
    /// unarchiving it brings back exactly those and leaves runs archived on their own before it archived.
    /// </summary>
    public DateTimeOffset? ArchivedAt { get; set; }
}
