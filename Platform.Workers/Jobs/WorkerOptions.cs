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

    /// <summary>
    /// Torch CPU threads of each trainer child whose run does not choose its own (<c>--threads</c>), given to it as
    /// <see cref="ThreadsVariable"/>. 0: the parent's OMP_NUM_THREADS when set, else this machine's cores shared among the
    /// runs it executes at once (cores / <see cref="Concurrency"/>, at least 1). Why not torch's choice (every core): a
    /// trainer whose OpenMP threads outnumber the cores it can actually get waits at every parallel region for a thread
    /// that is not running. Measured (BENCHMARKS.md, "Threads of a worker's runs"): actor-critic on Catch 8×8, 60,000
    /// steps, with another process holding one of 2 cores: 195 s at torch's 2 threads, 45 s at 1.
    /// </summary>
    public int TorchThreads { get; set; }

    /// <summary>The variable that sets libtorch's intra-op threads in a child (read by OpenMP when torch starts).</summary>
    public const string ThreadsVariable = "OMP_NUM_THREADS";

    /// <summary>The threads a trainer child gets (see <see cref="TorchThreads"/>).</summary>
    public int ChildTorchThreads() =>
        ChildTorchThreads(TorchThreads, Environment.GetEnvironmentVariable(ThreadsVariable), Environment.ProcessorCount, Concurrency);

    public static int ChildTorchThreads(int configured, string? inherited, int cores, int concurrency)
    {
        if (configured > 0) return configured;
        if (int.TryParse(inherited, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        return Math.Max(1, cores / Math.Max(1, concurrency));
    }

    /// <summary>A trainer child's environment: its write confinement and its thread count.</summary>
    public Dictionary<string, string> ChildEnvironment(string outDir)
    {
        var environment = WriteConfinement.For(outDir);
        environment[ThreadsVariable] = ChildTorchThreads().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return environment;
    }

    /// <summary>Frames of the replay GIF recorded of a succeeded run's final policy (RUN_DIR/replay.gif); 0 records none.</summary>
    public int ReplayFrames { get; set; } = 300;

    /// <summary>How long recording the replay may take before it is abandoned (the run succeeds either way).</summary>
    public double ReplayTimeoutSeconds { get; set; } = 120;
}
