namespace Platform.Data.Entities;

public enum ArtifactKind { Replay, Inspection }

/// <summary>
/// A file a run produced that is neither an agent checkpoint nor a meta-network (those are <see cref="Checkpoint"/>s):
/// the replay GIF of a training run's final policy, the report of an inspection (<see cref="Runs.RunFolderLayout.InspectionFile"/>). Stored like checkpoints: a location relative to the storage root, size, SHA-256.
/// </summary>
public class Artifact
{
    public Guid Id { get; set; }
    public ArtifactKind Kind { get; set; }
    public Guid RunId { get; set; }
    public Run? Run { get; set; }
    public Guid TeamId { get; set; }
    /// <summary>Relative to Platform:StorageRoot (<see cref="Storage.ArtifactStore"/>).</summary>
    public required string StorageUri { get; set; }
    public long SizeBytes { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
