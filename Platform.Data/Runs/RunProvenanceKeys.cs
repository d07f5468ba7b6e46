namespace Platform.Data.Runs;

/// <summary>
/// The keys of a run's provenance record (RUN/provenance.json, written by the trainer; stored with the run by the worker,
/// which adds <see cref="Worker"/>; returned by GET /api/runs/{id} as "provenance"; shown on the run page). Written once here.
/// </summary>
public static class RunProvenanceKeys
{
    public const string GitCommit = "git_commit", GitDirty = "git_dirty", BuildConfiguration = "build_configuration",
        DotNet = "dotnet", TorchSharp = "torchsharp", Libtorch = "libtorch", Os = "os", Cpu = "cpu", Gpu = "gpu",
        Device = "device", Threads = "threads", Host = "host", CommandLine = "command_line", StartedAt = "started_at",
        Seed = "seed", ResumedAtStep = "resumed_at_step", Config = "config", Worker = "worker";

    /// <summary>Every key, in the order the run page lists them (the configuration last).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        GitCommit, GitDirty, BuildConfiguration, DotNet, TorchSharp, Libtorch, Os, Cpu, Gpu, Device, Threads, Host, Worker,
        CommandLine, StartedAt, ResumedAtStep, Seed, Config,
    ];
}
