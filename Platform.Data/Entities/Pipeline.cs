namespace Platform.Data.Entities;

/// <summary>Where a transfer pipeline stands; only the stored stages, the finished/failed state is read off its runs too.</summary>
public enum PipelineStage { MetaTraining, Evaluating, Finished, Failed, Cancelled }

/// <summary>
/// The transfer experiment as one submission (POST /api/pipelines, issue #18): a meta-train run with meta-validation on
/// suite A, then the rule meta-validation selected, frozen, trained from scratch on suite B's environments beside the
/// baselines (Disco103, actor-critic, PPO) at the same budget and seeds. The baselines' runs start at once; the selected
/// rule's runs are created when the meta-train run has succeeded (<see cref="SelectedCheckpointId"/> set, stage
/// Evaluating). Every run carries <see cref="Run.PipelineId"/>.
/// </summary>
public class Pipeline
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public Guid? CreatedByUserId { get; set; }
    public required string Name { get; set; }
    /// <summary>The validated request (jsonb): the meta-train submission and the evaluation (environments, steps, seeds, baselines).</summary>
    public required string Definition { get; set; }
    public PipelineStage Stage { get; set; }
    public Guid MetaTrainRunId { get; set; }
    /// <summary>The meta-network meta-validation selected (null until the meta-train run has succeeded).</summary>
    public Guid? SelectedCheckpointId { get; set; }
    /// <summary>Why the pipeline failed (its meta-train run failed or selected no rule), null otherwise.</summary>
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CancelRequestedAt { get; set; }
}
