namespace Platform.Workers.Jobs;

/// <summary>Settings under "Platform" (appsettings, PLATFORM__* environment variables, command line).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Platform";

    /// <summary>
    /// The artifact store (<see cref="Platform.Data.Storage.ArtifactStore"/>): each run trains in StorageRoot/runs/&lt;runId&gt;/
    /// and every file the database names is under it. The API and every worker must see the same storage here.
    /// </summary>
    public string StorageRoot { get; set; } = Platform.Data.Storage.ArtifactStore.DefaultRoot;

    /// <summary>The trainer (this very assembly unless set): run as <c>dotnet TrainerDll train ...</c>.</summary>
    public string? TrainerDll { get; set; }

    /// <summary>How often the worker reads metrics.jsonl and checks for a cancel request.</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>Between SIGTERM and SIGKILL when a run is cancelled or the worker shuts down.</summary>
    public double StopGraceSeconds { get; set; } = 20;

    /// <summary>A job whose worker stops renewing it for this long is taken over by another worker (resumes from its checkpoint).</summary>
    public double JobInvisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// How often Hangfire retries a run's job that threw (infrastructure trouble, not a trainer failure, which is recorded on
    /// the run); after the last, the run is marked failed with the reason (<see cref="RunFailureFilter"/>).
    /// </summary>
    public int JobRetryAttempts { get; set; } = 3;

    /// <summary>How often the worker looks for runs marked running whose job has ended (<see cref="OrphanedRunReaper"/>).</summary>
    public double ReapSeconds { get; set; } = 60;

    /// <summary>Runs executed at once by this worker (Hangfire worker count).</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>Frames of the replay GIF recorded of a succeeded run's final policy (RUN_DIR/replay.gif); 0 records none.</summary>
    public int ReplayFrames { get; set; } = 300;

    /// <summary>How long recording the replay may take before it is abandoned (the run succeeds either way).</summary>
    public double ReplayTimeoutSeconds { get; set; } = 120;
}
