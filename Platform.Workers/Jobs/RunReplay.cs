using System.Globalization;

namespace Platform.Workers.Jobs;

/// <summary>
/// The replay GIF of a run's final policy: recorded by the worker after the run succeeds, at
/// RUN_DIR/<see cref="FileName"/>, beside the run's agent checkpoint zips (which is how the API finds it).
/// </summary>
public static class RunReplay
{
    public const string FileName = "replay.gif";

    /// <summary>The run folder holding a checkpoint zip recorded at <paramref name="checkpointFile"/>; its replay's path.</summary>
    public static string BesideCheckpoint(string checkpointFile) =>
        Path.Combine(Path.GetDirectoryName(checkpointFile) ?? ".", FileName);

    /// <summary><c>replay --checkpoint RUN_DIR --frames N --out RUN_DIR/replay.gif</c>: the trained agent, actions sampled from its policy.</summary>
    public static IReadOnlyList<string> Arguments(string runDir, int frames) =>
        ["replay", "--checkpoint", runDir, "--frames", frames.ToString(CultureInfo.InvariantCulture), "--out", Path.Combine(runDir, FileName)];
}
