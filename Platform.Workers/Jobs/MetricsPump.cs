using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Jobs;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// Moves what a trainer appended to RUN/metrics.jsonl into metric_points: stored first (idempotently on (run, name,
/// step), so a resumed trainer's repeated steps are skipped), then the run's progress, then NOTIFY run_metrics.
/// </summary>
public sealed class MetricsPump(Run run, string outDir, long currentStep)
{
    private const int Batch = 5000;
    private readonly MetricsFileTailer _tailer = new(Path.Combine(outDir, RunFolderLayout.MetricsFile));

    /// <summary>The newest step seen so far.</summary>
    public long CurrentStep { get; private set; } = currentStep;
    public int MalformedLines => _tailer.MalformedLines;

    public async Task PumpAsync(PlatformDbContext db, NpgsqlConnection notifications)
    {
        var lines = _tailer.ReadNew();
        if (lines.Count == 0) return;
        var points = lines.SelectMany(l => l.Values.Select(v => new MetricPoint { RunId = run.Id, Name = v.Key, Step = l.Step, Value = v.Value, WallTime = l.Time })).ToList();
        var added = 0;
        foreach (var chunk in points.Chunk(Batch))
            added += await MetricWriter.AppendAsync(db, run.Id, chunk);
        CurrentStep = Math.Max(CurrentStep, lines.Max(l => l.Step));
        await new RunTransitions(db).RecordProgressAsync(run.Id, CurrentStep);
        if (added > 0)
            await ProgressChannels.NotifyAsync(notifications, ProgressChannels.Metrics,
                new ProgressNotice(run.Id, run.TeamId, lines.Min(l => l.Step), lines.Max(l => l.Step)));
    }
}
