using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>How a run ended, as far as its kind can tell: its final score and step, or why it failed.</summary>
/// <summary>What a finished child leaves: the final score, the step reached, an error; ProcGen train runs also their train- and test-level returns.</summary>
public sealed record RunOutcome(double? FinalScore, long CurrentStep, string? Error = null, double? TrainLevelsReturn = null, double? TestLevelsReturn = null,
    int? FinalScoreEpisodes = null);

/// <summary>What a plan needs to know about the run it plans.</summary>
public sealed record RunContext(Run Run, string OutDir, string Device, ArtifactRegistrar Artifacts, ILogger Logger);

/// <summary>
/// What differs between run kinds: the trainer child's arguments, the work to do while it runs (e.g. registering
/// meta-networks as they appear) and what its exit 0 means. One subclass per kind, each in its own file.
/// </summary>
public abstract class RunPlan
{
    public required IReadOnlyList<string> Arguments { get; init; }
    /// <summary>True when the run's folder already has a checkpoint and the child continues from it.</summary>
    public bool Resume { get; init; }

    /// <summary>Called after every poll and once after the child exits, whatever the exit.</summary>
    public virtual Task WhileRunningAsync(PlatformDbContext db) => Task.CompletedTask;

    /// <summary>After exit 0: read the child's results and register what it produced.</summary>
    public abstract Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep);

    /// <summary>
    /// The plan for a stored run. A spec that cannot be read, or names something that is gone, throws
    /// <see cref="JsonException"/>, <see cref="FormatException"/>, <see cref="FileNotFoundException"/> or
    /// <see cref="InvalidDataException"/>: the run fails as an invalid spec.
    /// </summary>
    public static async Task<RunPlan> CreateAsync(RunContext context, PlatformDbContext db, CancellationToken ct) =>
        RunSpecJson.Deserialize(context.Run.Spec) switch
        {
            TrainRunSpec train => await TrainPlan.CreateAsync(context, train, db, ct),
            MetaTrainRunSpec meta => await MetaTrainPlan.CreateAsync(context, meta, db, ct),
            EvaluateRunSpec evaluate => await EvaluatePlan.CreateAsync(context, evaluate, db, ct),
            InspectRunSpec inspect => await InspectPlan.CreateAsync(context, inspect, db, ct),
            var other => throw new FormatException($"Run kind '{WireNames.ToWire(other.Kind)}' is not supported by this worker."),
        };

    /// <summary>A number summary.json holds, or null.</summary>
    protected static async Task<(double? Score, long? Steps)> ReadSummaryAsync(string outDir, string scoreKey, string stepsKey) =>
        ScoreAndSteps(await ReadSummaryAsync(outDir), scoreKey, stepsKey);

    protected static (double? Score, long? Steps) ScoreAndSteps(JsonElement summary, string scoreKey, string stepsKey) =>
        (Number(summary, scoreKey), summary.TryGetProperty(stepsKey, out var n) && n.TryGetInt64(out var x) ? x : null);

    protected static async Task<JsonElement> ReadSummaryAsync(string outDir)
    {
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, RunFolderLayout.SummaryFile), CancellationToken.None));
        return summary.RootElement.Clone();
    }

    /// <summary>
    /// summary.json's number under <paramref name="key"/>; null when absent or not a number (a NaN is written as null). Every
    /// score, final score and level return of a run is read here, without float32 noise (<see cref="WithoutFloat32Noise"/>).
    /// </summary>
    protected static double? Number(JsonElement summary, string key) =>
        summary.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? WithoutFloat32Noise(v.GetDouble()) : null;

    /// <summary>
    /// The trainer keeps episode returns as float32, and the mean of recent returns it writes (final_return; a
    /// meta-trainer's inner return with one agent) is a float32 widened to double, which carries the float's binary
    /// expansion: −0.22f is written as −0.2199999988079071. A value that is exactly a float32 becomes the shortest decimal that reads back as
    /// that float32 (−0.22), within half a float32 unit of the stored value; any other value (a mean taken in double) is
    /// kept as it is.
    /// </summary>
    public static double WithoutFloat32Noise(double x)
    {
        var f = (float)x;
        if (!float.IsFinite(f) || f != x) return x;
        return double.Parse(f.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    protected static bool HasCheckpoint(string outDir) => Learning.RunFolder.LatestCheckpointName(outDir) is not null;
}
