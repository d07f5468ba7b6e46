using Platform.Data;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// <c>train</c>: final score from summary.json's final_return_eval (final_return in folders written before it; and
/// ProcGen's train- and test-level returns); the newest checkpoint is zipped and registered.
/// </summary>
public sealed class TrainPlan : RunPlan
{
    private RunContext _context = null!;

    public static async Task<RunPlan> CreateAsync(RunContext context, TrainRunSpec spec, PlatformDbContext db, CancellationToken ct)
    {
        // A meta-network checkpoint (team-scoped) becomes npz:<its file in the store>; the CLI-only npz:PATH is never taken from a spec.
        var rule = spec.RuleMetaNetwork is { } id ? RuleReference.NpzPrefix + await context.Artifacts.ResolveMetaNetworkAsync(db, id, context.Run.TeamId, ct)
            : spec.Rule.Kind == RuleKind.Named ? spec.Rule.ToString()
            : throw new FormatException($"The run's rule '{spec.Rule}' is not one a platform run may use.");
        var resume = HasCheckpoint(context.OutDir);
        return new TrainPlan
        {
            _context = context, Resume = resume,
            Arguments = ChildCommandLines.Train(spec, rule, context.OutDir, resume, context.Device),
        };
    }

    public override async Task<RunOutcome> CompleteAsync(PlatformDbContext db, ChildProcess child, long currentStep)
    {
        var summary = await ReadSummaryAsync(_context.OutDir);
        int? episodes = summary.TryGetProperty(RunFolderLayout.SummaryFinalEvalEpisodes, out var n) && n.TryGetInt32(out var e) ? e : null;
        var scoreKey = episodes is null ? RunFolderLayout.SummaryFinalReturn : RunFolderLayout.SummaryFinalEvalReturn;
        var (score, steps) = ScoreAndSteps(summary, scoreKey, RunFolderLayout.SummarySteps);
        await _context.Artifacts.RegisterAgentCheckpointAsync(db, _context.Run, _context.OutDir);
        return new RunOutcome(score, Math.Max(currentStep, steps ?? 0),
            TrainLevelsReturn: Number(summary, RunFolderLayout.FinalReturnTrainLevels), TestLevelsReturn: Number(summary, RunFolderLayout.FinalReturnTestLevels),
            FinalScoreEpisodes: score is null ? null : episodes);
    }
}
