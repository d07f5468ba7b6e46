namespace Platform.Data.Entities;

public enum RunKind { Train, Evaluate, MetaTrain, Inspect }

public enum RunStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// Queued or running: a run a worker may still pick up or write to. Such a run is not archived, deleted or counted as
/// finished; it counts against the team's quota of active runs. One definition for every such check.
/// </summary>
public static class RunActivity
{
    public static bool IsActive(this RunStatus status) => status is RunStatus.Queued or RunStatus.Running;

    /// <summary>The same test as a query predicate (EF translates it to SQL).</summary>
    public static readonly System.Linq.Expressions.Expression<Func<Run, bool>> Active =
        r => r.Status == RunStatus.Queued || r.Status == RunStatus.Running;
}

public enum RunQueue { Cpu, Gpu }

/// <summary>One submitted piece of work: a training, evaluation or meta-training run.</summary>
public class Run
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public Team? Team { get; set; }
    public Guid? CreatedByUserId { get; set; }

    public RunKind Kind { get; set; }
    public RunStatus Status { get; set; }
    public RunQueue Queue { get; set; }

    /// <summary>The validated submission as JSON (jsonb): what a worker needs to reproduce the run.</summary>
    public required string Spec { get; set; }

    /// <summary>
    /// What people call the run: readable, unique within the team (<see cref="NameIndex"/>), editable. The API names every run
    /// it creates (<c>Platform.Api.Runs.RunNames</c>); a run stored before names existed got one from the migration.
    /// Null only for rows written around the API (tests); pages then show the short id.
    /// </summary>
    public string? Name { get; set; }
    /// <summary>The unique index on (team, name): a violation of it on insert means a concurrent run took the name.</summary>
    public const string NameIndex = "ix_runs_team_id_name";
    public const int NameMaxLength = 80;

    public required string EnvironmentId { get; set; }
    public EnvironmentRecord? Environment { get; set; }
    public required string Rule { get; set; }
    public long Seed { get; set; }

    /// <summary>Client-chosen key; the same key within a team returns the same run (unique per team).</summary>
    public string? IdempotencyKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Set when a running run is asked to stop; the worker notices and moves it to Cancelled.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }
    /// <summary>Set when a finished run is archived: run lists leave it out unless asked; everything else about it stays.</summary>
    public DateTimeOffset? ArchivedAt { get; set; }

    public string? WorkerName { get; set; }
    public string? HangfireJobId { get; set; }
    public string? Error { get; set; }

    public long CurrentStep { get; set; }
    public long TotalSteps { get; set; }

    /// <summary>
    /// Where and how the run was computed (jsonb; keys in <see cref="Runs.RunProvenanceKeys"/>): the trainer's
    /// RUN/provenance.json plus the worker's name and the exact child command line, stored by the worker when the run
    /// starts and again when a resumed trainer rewrites it. Null until a worker has started the run.
    /// </summary>
    public string? Provenance { get; set; }

    /// <summary>
    /// Bumped by every write that adds metric points (<see cref="MetricWriter"/>, in the same statement): a metric read
    /// cached under one version is the stored series for as long as the version stays (the API's metric cache).
    /// </summary>
    public long MetricsVersion { get; set; }

    /// <summary>
    /// A train run's final score (the trainer's summary.json), set when the run succeeds: the final policy's mean return
    /// over <see cref="FinalScoreEpisodes"/> evaluation episodes, or where that is null (runs finished before the
    /// end-of-run evaluation existed, and meta-train runs) the mean of the last training episodes.
    /// </summary>
    public double? FinalScore { get; set; }

    /// <summary>Evaluation episodes behind <see cref="FinalScore"/> (each parallel environment's share fixed in advance); null: training episodes.</summary>
    public int? FinalScoreEpisodes { get; set; }

    /// <summary>ProcGen train runs: the final policy's mean return on its training levels and on unseen test levels.</summary>
    public double? FinalReturnTrainLevels { get; set; }
    public double? FinalReturnTestLevels { get; set; }

    /// <summary>The sweep this run belongs to, if any, and its point there: the swept parameters' values and the seed (jsonb).</summary>
    public Guid? SweepId { get; set; }
    public string? SweepPoint { get; set; }

    /// <summary>The transfer pipeline this run belongs to, if any (its meta-train run, or one of its evaluation runs).</summary>
    public Guid? PipelineId { get; set; }

    /// <summary>Lineage: the run this one re-runs (POST /api/runs/{id}/rerun: the same spec and seed), if any.</summary>
    public Guid? RerunOfId { get; set; }

    /// <summary>Lineage: the meta-network (update rule) checkpoint this run used, if any.</summary>
    public Guid? MetaNetworkCheckpointId { get; set; }
    public Checkpoint? MetaNetworkCheckpoint { get; set; }

    public List<string> Tags { get; set; } = [];
}
