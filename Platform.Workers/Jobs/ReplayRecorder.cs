using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// Best effort: records a succeeded train run's final policy as RUN/replay.gif with the <c>replay</c> verb in a child
/// process (bounded frames and time). Any failure is logged and ignored: the run has succeeded whether or not it has
/// a replay.
/// </summary>
public sealed class ReplayRecorder(WorkerOptions options, ILogger logger)
{
    /// <summary><c>replay --checkpoint RUN --frames N --out RUN/replay.gif</c>: the trained agent, actions sampled from its policy.</summary>
    public static IReadOnlyList<string> Arguments(string runDir, int frames) =>
        ["replay", "--checkpoint", runDir, "--frames", frames.ToString(CultureInfo.InvariantCulture), "--out", Path.Combine(runDir, RunFolderLayout.ReplayFile)];

    /// <returns>The GIF's path, or null when none was recorded.</returns>
    public async Task<string?> RecordAsync(Guid runId, string outDir, string trainer, CancellationToken ct)
    {
        if (options.ReplayFrames <= 0 || Learning.RunFolder.LatestCheckpointName(outDir) is null) return null;
        try
        {
            using var child = ChildProcess.Start("dotnet", [trainer, .. Arguments(outDir, options.ReplayFrames)], outDir, options.ChildEnvironment(outDir));
            var limit = Task.Delay(TimeSpan.FromSeconds(options.ReplayTimeoutSeconds), ct);
            if (await Task.WhenAny(child.Exited, limit) != child.Exited)
            {
                child.Kill();
                logger.LogWarning("Run {RunId}: replay not recorded ({Why})", runId, ct.IsCancellationRequested ? "worker shutting down" : $"took over {options.ReplayTimeoutSeconds} s");
                return null;
            }
            var code = await child.Exited;
            if (code != 0)
            {
                logger.LogWarning("Run {RunId}: replay not recorded, exit {Code}: {Tail}", runId, code, string.Join('\n', child.StderrTail.TakeLast(5)));
                return null;
            }
            logger.LogInformation("Run {RunId}: replay recorded ({Frames} frames)", runId, options.ReplayFrames);
            return Path.Combine(outDir, RunFolderLayout.ReplayFile);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Run {RunId}: replay not recorded", runId);
            return null;
        }
    }
}
