using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Leaderboards;

/// <summary>One seed's score (ProcGen: its return on unseen test levels), normalised; ProcGen also its returns on training and test levels.</summary>
public sealed record SeedScoreDto(long Seed, Guid RunId, double FinalScore, double? Normalised, double? TrainLevels = null, double? TestLevels = null);

/// <summary>How an entry's scores were normalised: (score − random) / (reference − random), or why they were not.</summary>
public sealed record NormalisationDto(double? Random, double? Reference, string Method, string? Unavailable, IReadOnlyList<Guid> ReferenceRunIds);

/// <summary>
/// One rule on one environment at one step budget. ProcGen: mean returns of the final policy on its training levels and
/// on unseen test levels, and the generalisation gap (train − test).
/// </summary>
public sealed record LeaderboardEntryDto(string Env, string Rule, long Steps, IReadOnlyList<SeedScoreDto> Seeds,
    double MeanScore, double? MeanNormalised, NormalisationDto Normalisation,
    double? MeanTrainLevels = null, double? MeanTestLevels = null, double? GeneralisationGap = null);

/// <summary>IQM of the normalised scores of one rule (at one step budget) across environments and seeds, with its 95% CI.</summary>
public sealed record LeaderboardAggregateDto(string Rule, long Steps, double? Iqm, double? CiLow, double? CiHigh,
    int Environments, int Scores, IReadOnlyList<Guid> RunIds, string? Note);

/// <summary>A suite's leaderboard; ScoreBasis says what a score is, LeftOut how many succeeded runs could not be scored that way.</summary>
public sealed record LeaderboardDto(string Suite, string DisplayName, IReadOnlyList<LeaderboardAggregateDto> Aggregates,
    IReadOnlyList<LeaderboardEntryDto> Entries, int BootstrapResamples, int BootstrapSeed, string ScoreBasis, int LeftOut = 0);

/// <summary>
/// What a rule was meta-trained on. Kind: meta-learned (Suites/Environments say on what), hand-designed (a baseline), or
/// unknown (a meta-network whose provenance was not recorded, or an npz path). Suites use the paper's names where the
/// platform has no such suite (atari, dmlab); environments are platform ids.
/// </summary>
public sealed record MetaTrainingDto(string Kind, IReadOnlyList<string> Suites, IReadOnlyList<string> Environments, string Description);

/// <summary>One rule's aggregate on one evaluated suite at one step budget; InDistribution: the rule was meta-trained on that suite (null: not meta-learned / unknown).</summary>
public sealed record GeneralisationCellDto(string Suite, long Steps, double? Iqm, double? CiLow, double? CiHigh, int Environments, int Scores,
    IReadOnlyList<Guid> RunIds, bool? InDistribution, string? Note);

/// <summary>A rule (its leaderboard key), a readable label, the meta-network behind it if any, what it was meta-trained on, and its results per evaluated suite.</summary>
public sealed record GeneralisationRowDto(string Rule, string Label, Guid? CheckpointId, MetaTrainingDto MetaTrainedOn, IReadOnlyList<GeneralisationCellDto> Cells);

public sealed record GeneralisationSuiteDto(string Suite, string DisplayName);

public sealed record GeneralisationDto(IReadOnlyList<GeneralisationSuiteDto> Suites, IReadOnlyList<GeneralisationRowDto> Rows);

/// <summary>
/// Leaderboards per suite from the team's succeeded training runs. A run's score is its final score (mean
/// return of its last 100 episodes) — on ProcGen, the suite of held-out levels, its final policy's mean return on
/// unseen test levels (ProcGen's protocol: train on a fixed set of levels, report on others), with its return on its
/// training levels and the gap beside it; for a repeated (env, rule, steps, seed) the newest run counts.
/// Normalisation: Catch — random policy → 0 (exactly 2/columns − 1: the ball's column is uniform and
/// independent of the paddle), every ball caught (1) → 1; MinAtar — the environments table's random score → 0 and
/// the mean final score of the team's own PPO runs on the same environment at the same step budget → 1 (so above 1
/// beats PPO); ProcGen — the environments table's random and reference (solver) scores. A missing constant
/// leaves the normalised score null with the reason.
/// </summary>
public sealed class LeaderboardService(PlatformDbContext db)
{
    public const int Resamples = 2000;
    public const int BootstrapSeed = 20251;

    /// <summary>The platform's suites and their titles, from the catalogue.</summary>
    public static readonly IReadOnlyDictionary<string, string> Suites = EnvironmentCatalog.Suites.ToDictionary(s => s.Id, s => s.Title);

    private sealed record Score(Guid RunId, string Env, string Rule, long Steps, long Seed, double Value, double? TrainLevels, double? TestLevels);

    public static readonly string EvaluationBasis =
        $"final policy's mean return over {TrainOptions.FinalEvaluationEpisodes} evaluation episodes (a fixed share per parallel environment)";
    public static readonly string TestLevelsBasis =
        $"final policy's mean return on unseen test levels ({TrainOptions.FinalEvaluationEpisodes} episodes); training levels and the gap beside it";

    /// <summary>Whether a suite's scores are on held-out test levels (its environments have them).</summary>
    public static bool ScoresOnTestLevels(string suite) => EnvironmentCatalog.All.Any(e => e.Suite == suite && e.HasTestLevels);

    public async Task<LeaderboardDto?> BuildAsync(string suite, Guid teamId, long? steps, CancellationToken ct)
    {
        if (!Suites.TryGetValue(suite, out var displayName)) return null;
        var environments = await db.Environments.AsNoTracking().Where(e => e.SuiteId == suite).ToDictionaryAsync(e => e.Id, ct);

        var query = db.Runs.AsNoTracking().Where(r => r.TeamId == teamId && r.Kind == RunKind.Train
            && r.Status == RunStatus.Succeeded && r.FinalScore != null && r.Environment!.SuiteId == suite);
        if (steps is not null) query = query.Where(r => r.TotalSteps == steps);
        var testLevels = ScoresOnTestLevels(suite);
        var leftOut = 0;
        // Runs from before the end-of-run evaluation existed (their final score is the mean of the last training
        // episodes, biased towards short episodes; ProcGen's have no test-level score): left out, and counted.
        if (testLevels)
        {
            leftOut = await query.CountAsync(r => r.FinalReturnTestLevels == null, ct);
            query = query.Where(r => r.FinalReturnTestLevels != null);
        }
        else
        {
            leftOut = await query.CountAsync(r => r.FinalScoreEpisodes == null, ct);
            query = query.Where(r => r.FinalScoreEpisodes != null);
        }
        // A run's rule is what trained it: meta-network:ID for a run trained with a meta-network checkpoint.
        var rows = await query.OrderByDescending(r => r.FinishedAt).ThenByDescending(r => r.Id)
            .Select(r => new Score(r.Id, r.EnvironmentId, r.Rule, r.TotalSteps, r.Seed, testLevels ? r.FinalReturnTestLevels!.Value : r.FinalScore!.Value,
                r.FinalReturnTrainLevels, r.FinalReturnTestLevels))
            .ToListAsync(ct);
        // Newest run per (env, rule, steps, seed).
        var scores = rows.GroupBy(r => (r.Env, r.Rule, r.Steps, r.Seed)).Select(g => g.First()).ToList();

        var entries = new List<LeaderboardEntryDto>();
        foreach (var group in scores.GroupBy(s => (s.Env, s.Rule, s.Steps)).OrderBy(g => g.Key.Env).ThenBy(g => g.Key.Rule).ThenBy(g => g.Key.Steps))
        {
            var (env, rule, budget) = group.Key;
            var normalisation = Normalisation(suite, environments.GetValueOrDefault(env), env, budget, scores);
            var seeds = group.OrderBy(s => s.Seed).Select(s => new SeedScoreDto(s.Seed, s.RunId, s.Value,
                normalisation.Random is { } lo && normalisation.Reference is { } hi ? (s.Value - lo) / (hi - lo) : null,
                s.TrainLevels, s.TestLevels)).ToList();
            double? meanTrain = testLevels && seeds.All(s => s.TrainLevels is not null) ? seeds.Average(s => s.TrainLevels!.Value) : null;
            var meanScore = seeds.Average(s => s.FinalScore);
            double? meanTest = testLevels ? meanScore : null;                    // a ProcGen score is its test-level return
            entries.Add(new LeaderboardEntryDto(env, rule, budget, seeds, meanScore,
                seeds.All(s => s.Normalised is not null) ? seeds.Average(s => s.Normalised!.Value) : null, normalisation,
                meanTrain, meanTest, meanTrain - meanTest));
        }

        var aggregates = new List<LeaderboardAggregateDto>();
        foreach (var group in entries.GroupBy(e => (e.Rule, e.Steps)).OrderBy(g => g.Key.Rule).ThenBy(g => g.Key.Steps))
        {
            var usable = group.Where(e => e.Seeds.All(s => s.Normalised is not null)).ToList();
            var skipped = group.Count() - usable.Count;
            var note = skipped > 0 ? $"{skipped} environment(s) left out: no normalisation constants." : null;
            if (usable.Count == 0)
            {
                aggregates.Add(new LeaderboardAggregateDto(group.Key.Rule, group.Key.Steps, null, null, null, 0, 0, [], note));
                continue;
            }
            IReadOnlyList<IReadOnlyList<double>> strata = usable.Select(e => (IReadOnlyList<double>)e.Seeds.Select(s => s.Normalised!.Value).ToArray()).ToList();
            var iqm = ScoreStatistics.InterquartileMean(strata);
            var (low, high) = ScoreStatistics.StratifiedBootstrapCi(strata, Resamples, 0.95, BootstrapSeed);
            aggregates.Add(new LeaderboardAggregateDto(group.Key.Rule, group.Key.Steps, iqm, low, high, usable.Count,
                strata.Sum(s => s.Count), usable.SelectMany(e => e.Seeds.Select(s => s.RunId)).ToList(), note));
        }
        return new LeaderboardDto(suite, displayName, aggregates, entries, Resamples, BootstrapSeed,
            testLevels ? TestLevelsBasis : EvaluationBasis, leftOut);
    }

    /// <summary>Display names of suites a rule may have been meta-trained on, the platform's and the paper's.</summary>
    public static readonly IReadOnlyDictionary<string, string> TrainingSuiteNames = EnvironmentCatalog.PaperSuites
        .Concat(EnvironmentCatalog.Suites.Select(s => KeyValuePair.Create(s.Id, s.Title))).ToDictionary();

    /// <summary>The platform suite a training suite counts as when asking "was it meta-trained on this?" (the catalogue's
    /// aliases: Atari is MinAtar's).</summary>
    private static string EvaluatedAs(string suite) => EnvironmentCatalog.SuiteNames.GetValueOrDefault(suite, suite);

    /// <summary>
    /// The generalisation view: every rule with results on any suite, what it was meta-trained on (recorded data: the
    /// rule catalog for published rules, the meta-network checkpoint's meta_trained_on for meta-network:ID rules), and per
    /// evaluated suite (the suite of the runs' environments) its IQM at each step budget, marked in or out of distribution.
    /// </summary>
    public async Task<GeneralisationDto> BuildGeneralisationAsync(Guid teamId, long? steps, CancellationToken ct)
    {
        var boards = new List<LeaderboardDto>();
        foreach (var suite in Suites.Keys) boards.Add((await BuildAsync(suite, teamId, steps, ct))!);

        var ruleKeys = boards.SelectMany(b => b.Aggregates.Select(a => a.Rule)).Distinct().Order(StringComparer.Ordinal).ToList();
        var checkpointIds = ruleKeys.Select(CheckpointOf).OfType<Guid>().ToList();
        var checkpoints = await db.Checkpoints.AsNoTracking()
            .Where(c => checkpointIds.Contains(c.Id) && (c.TeamId == null || c.TeamId == teamId))
            .ToDictionaryAsync(c => c.Id, ct);
        var suiteOf = await db.Environments.AsNoTracking().ToDictionaryAsync(e => e.Id, e => e.SuiteId, ct);

        var rows = new List<GeneralisationRowDto>();
        foreach (var rule in ruleKeys)
        {
            var checkpointId = CheckpointOf(rule);
            var checkpoint = checkpointId is { } id ? checkpoints.GetValueOrDefault(id) : null;
            var (label, trainedOn) = Provenance(rule, checkpointId, checkpoint, suiteOf);
            var trainedSuites = trainedOn.Suites.Select(EvaluatedAs).ToHashSet();
            var cells = boards.SelectMany(b => b.Aggregates.Where(a => a.Rule == rule).OrderBy(a => a.Steps).Select(a => new GeneralisationCellDto(
                b.Suite, a.Steps, a.Iqm, a.CiLow, a.CiHigh, a.Environments, a.Scores, a.RunIds,
                trainedOn.Kind == "meta-learned" ? trainedSuites.Contains(b.Suite) : null, a.Note))).ToList();
            rows.Add(new GeneralisationRowDto(rule, label, checkpointId, trainedOn, cells));
        }
        return new GeneralisationDto(Suites.Select(kv => new GeneralisationSuiteDto(kv.Key, kv.Value)).ToList(), rows);
    }

    private static Guid? CheckpointOf(string rule) =>
        RuleReference.TryParse(rule, allowNpz: true, out var reference, out _) ? reference.MetaNetworkId : null;

    private static (string Label, MetaTrainingDto TrainedOn) Provenance(string rule, Guid? checkpointId, Checkpoint? checkpoint,
        IReadOnlyDictionary<string, string> suiteOf)
    {
        if (checkpointId is not null)
        {
            if (checkpoint is null) return (rule, new MetaTrainingDto("unknown", [], [], "unknown (the meta-network checkpoint is gone)"));
            if (checkpoint.MetaTrainedOn is not { Count: > 0 } items)
                return (checkpoint.Name, new MetaTrainingDto("unknown", [], [], "not recorded for this meta-network"));
            var environments = items.Where(suiteOf.ContainsKey).ToList();
            var suites = items.Select(i => suiteOf.TryGetValue(i, out var suite) ? suite : i).Distinct().ToList();
            return (checkpoint.Name, new MetaTrainingDto("meta-learned", suites, environments, Describe(suites, environments)));
        }
        var known = RuleCatalog.Find(rule);
        if (known is { MetaLearned: false }) return (rule, new MetaTrainingDto("hand-designed", [], [], "hand-designed (not meta-trained)"));
        if (known?.MetaTrainedOn is { } published) return (rule, new MetaTrainingDto("meta-learned", published, [], Describe(published, [])));
        return (rule, new MetaTrainingDto("unknown", [], [], "unknown (a meta-network file named by path)"));
    }

    private static string Describe(IReadOnlyList<string> suites, IReadOnlyList<string> environments) =>
        string.Join(" + ", suites.Select(s => TrainingSuiteNames.GetValueOrDefault(s, s)))
        + (environments.Count > 0 ? $" ({string.Join(", ", environments)})" : "");

    private static NormalisationDto Normalisation(string suite, EnvironmentRecord? env, string envId, long steps, List<Score> scores)
    {
        switch (suite)
        {
            case "catch":
            {
                var random = env?.RandomScore ?? CatchRandomScore(envId);
                var reference = env?.ReferenceScore ?? 1.0;
                return new NormalisationDto(random, reference, "random policy → 0, every ball caught → 1",
                    random is null ? "Unknown board size." : null, []);
            }
            case "minatar":
            {
                var ppo = scores.Where(s => s.Env == envId && s.Rule == "ppo" && s.Steps == steps).ToList();
                double? reference = ppo.Count > 0 ? ppo.Average(s => s.Value) : null;
                string? why = env?.RandomScore is null ? "The random-policy score of this environment has not been measured."
                    : reference is null ? $"No succeeded PPO run on {envId} at {steps} steps to normalise against."
                    : reference == env.RandomScore ? "The PPO baseline scores no better than random." : null;
                // The measured random score is reported even without a PPO reference: it is the catalogue's, as /api/environments says.
                return new NormalisationDto(env?.RandomScore, why is null ? reference : null,
                    "random policy → 0, the platform's PPO at the same step budget → 1", why, ppo.Select(s => s.RunId).ToList());
            }
            default:
            {
                var ok = env?.RandomScore is not null && env.ReferenceScore is not null && env.ReferenceScore != env.RandomScore;
                return new NormalisationDto(ok ? env!.RandomScore : null, ok ? env!.ReferenceScore : null,
                    "random policy → 0, the level solver → 1", ok ? null : "Normalisation constants not measured for this environment.", []);
            }
        }
    }

    /// <summary>Catch's random-policy expected return: the ball is caught with probability 1/columns (+1), else −1.</summary>
    public static double? CatchRandomScore(string envId)
    {
        var size = envId.Split('/').Last().Split('x');
        return size.Length == 2 && int.TryParse(size[1], NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? 2.0 / columns - 1
            : null;
    }
}
