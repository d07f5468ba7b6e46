namespace Platform.Data.Entities;

public enum CheckpointKind { Agent, MetaNetwork }

/// <summary>A file a run wrote (agent parameters, or a meta-network, i.e. a learned update rule).</summary>
public class Checkpoint
{
    public Guid Id { get; set; }
    public CheckpointKind Kind { get; set; }

    /// <summary>Null for checkpoints that were not produced here (e.g. the published disco103 weights).</summary>
    public Guid? RunId { get; set; }
    public Run? Run { get; set; }

    /// <summary>Owner; null means visible to every team.</summary>
    public Guid? TeamId { get; set; }

    public required string Name { get; set; }
    public long Step { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>Lower-case hex SHA-256 of the file, sent to downloaders as X-Checksum-Sha256.</summary>
    public required string Sha256 { get; set; }
    /// <summary>Where the file is: an absolute path, a path relative to Platform:StorageRoot, or a file:// URI.</summary>
    public required string StorageUri { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Meta-networks of a run with meta-validation: the rule's validation return at this meta-step (null: not validated).</summary>
    public double? ValidationReturn { get; set; }
    /// <summary>The best-validated meta-network of its run (the one meta-validation selected; at most one per run).</summary>
    public bool Selected { get; set; }
    /// <summary>When the team archived it (null: listed): lists and pickers leave it out; it still downloads and runs may still use it.</summary>
    public DateTimeOffset? ArchivedAt { get; set; }

    /// <summary>
    /// For meta-networks: what the rule was meta-trained on, as environment ids ("catch/5x5") and/or whole suites
    /// ("atari", "procgen", "dmlab"). Written by the worker for meta-training runs (the run's environments); null
    /// when unknown (an upload that did not say) and for agent checkpoints.
    /// </summary>
    public List<string>? MetaTrainedOn { get; set; }
}
