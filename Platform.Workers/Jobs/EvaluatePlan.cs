using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// <c>evaluate</c>: the agent checkpoint (the registered zip, its SHA-256 checked) is unpacked under the run's folder
/// beside its training run's run.json, then evaluated; the last output line's mean return is the final score, also
/// stored as the metric mean_return at step = episodes. Each episode's return comes through metrics.jsonl (evaluation_return).
/// </summary>
public sealed class EvaluatePlan : RunPlan
{
    private RunContext _context = null!;

    public static async Task<RunPlan> CreateAsync(RunContext context, EvaluateRunSpec spec, PlatformDbContext db, CancellationToken ct)
    {
        var checkpointDir = await context.Artifacts.UnpackAgentCheckpointAsync(db, spec.AgentCheckpointId, context.Run.TeamId, context.OutDir, ct);
        return new EvaluatePlan { _context = context, Arguments = ChildCommandLines.Evaluate(spec, checkpointDir, context.OutDir, context.Device) };
    }

    public override async Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep)
    {
        if (RunFolderLayout.ParseEvaluateResult(child.StdoutTail) is not { } result)
            return new RunOutcome(null, currentStep, "evaluate exited 0 without its last line 'mean_return=<x> episodes=<k>':\n"
                                                     + string.Join('\n', child.StdoutTail.TakeLast(5)));
        await MetricWriter.AppendAsync(db, _context.Run.Id, [new MetricPoint
        {
            RunId = _context.Run.Id, Name = RunFolderLayout.MetricMeanReturn, Step = result.Episodes, Value = result.MeanReturn, WallTime = DateTimeOffset.UtcNow,
        }]);
        return new RunOutcome(result.MeanReturn, Math.Max(currentStep, result.Episodes));
    }
}
