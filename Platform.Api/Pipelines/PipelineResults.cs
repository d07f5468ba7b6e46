using System.Text.Json;
using Platform.Api.Leaderboards;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Pipelines;

/// <summary>
/// A pipeline's result table: per evaluation environment and rule the final scores over seeds (ProcGen: on unseen test
/// levels), normalised from random play (0) to the environment's reference (1) — the catalogue's constant, or where it
/// has none (MinAtar) this pipeline's PPO at the same budget — and per rule the interquartile mean of the normalised
/// scores with a 95 % stratified-bootstrap confidence interval (rliable's statistics, <see cref="ScoreStatistics"/>).
/// </summary>
public static class PipelineResults
{
    public const string MetaTrainRole = "meta-train", SelectedRuleRole = "selected-rule", BaselineRole = "baseline";
    public const string SingleSeedNote = "one seed per environment: no confidence interval (the bootstrap resamples within each environment)";

    public static PipelineDto Build(Pipeline pipeline, IReadOnlyList<Run> members, Checkpoint? selected)
    {
        var evaluation = PipelineAdvancer.EvaluationOf(pipeline.Definition);
        var envs = evaluation.Envs ?? [];
        var baselines = evaluation.Baselines ?? [];
        var metaRun = members.FirstOrDefault(r => r.Id == pipeline.MetaTrainRunId);
        var metaEnvs = metaRun is null ? [] : (RunSpecJson.Deserialize(metaRun.Spec) as MetaTrainRunSpec)?.Envs ?? [];
        var selectedRule = selected is null ? null : RuleReference.MetaNetwork(selected.Id).ToString();

        string Role(Run r) => r.Id == pipeline.MetaTrainRunId ? MetaTrainRole : r.Rule == selectedRule ? SelectedRuleRole : BaselineRole;
        static bool OnTestLevels(string env) => EnvironmentCatalog.Contains(env) && EnvironmentCatalog.Get(env).HasTestLevels;
        static double? Score(Run r) => r.Status != RunStatus.Succeeded ? null
            : OnTestLevels(r.EnvironmentId) ? r.FinalReturnTestLevels : r.FinalScore;
        var runDtos = members.Select(r => new PipelineRunDto(r.Id, Role(r), WireNames.ToWire(r.Kind), r.EnvironmentId, r.Rule, r.Seed,
            WireNames.ToWire(r.Status), r.CurrentStep, r.TotalSteps, r.Id == pipeline.MetaTrainRunId ? r.FinalScore : Score(r), r.Error, r.Name)).ToList();
        var evaluationRuns = members.Where(r => r.Id != pipeline.MetaTrainRunId).ToList();

        var environments = envs.Select(env =>
        {
            // The catalogue's constants (NaN: not measured; MinAtar has no reference of its own).
            var spec = EnvironmentCatalog.Contains(env) ? EnvironmentCatalog.Get(env) : null;
            static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
            var basis = OnTestLevels(env) ? "final policy on unseen test levels" : "final policy's evaluation episodes";
            var random = Finite(spec?.RandomReturn);
            var (reference, method) = Finite(spec?.ReferenceReturn) is { } r ? ((double?)r, "random play → 0, the catalogue's reference → 1")
                : (PpoMean(evaluationRuns, env, baselines), "random play → 0, this pipeline's PPO at the same budget → 1");
            string? unavailable = random is null ? "The random-policy score of this environment has not been measured."
                : reference is null ? (baselines.Contains(RuleCatalog.Ppo) ? "PPO has not finished here yet." : "No reference: add ppo to the baselines.")
                : reference == random ? "The reference scores no better than random play." : null;
            return new PipelineEnvironmentDto(env, metaEnvs.Contains(env), basis, unavailable is null ? random : null,
                unavailable is null ? reference : null, method, unavailable);
        }).ToList();

        var rules = new List<(string Label, string? Rule, string Role)>
        {
            (selected is null ? "selected rule (after meta-training)" : $"selected rule (meta-step {selected.Step})", selectedRule, SelectedRuleRole),
        };
        rules.AddRange(baselines.Select(b => (b, (string?)b, BaselineRole)));
        var table = rules.Select(rule =>
        {
            var mine = rule.Rule is null ? [] : evaluationRuns.Where(r => r.Rule == rule.Rule).ToList();
            var cells = environments.Select(env =>
            {
                var scores = mine.Where(r => r.EnvironmentId == env.Env).Select(Score).OfType<double>().ToList();
                double? mean = scores.Count > 0 ? scores.Average() : null;
                return (Cell: new PipelineCellDto(env.Env, mine.Count(r => r.EnvironmentId == env.Env), scores.Count, scores, mean,
                        mean is { } m && env.Unavailable is null ? Normalise(m, env) : null),
                    Normalised: env.Unavailable is null ? scores.Select(s => Normalise(s, env)).ToArray() : []);
            }).ToList();
            var strata = cells.Where(c => c.Normalised.Length > 0).Select(c => (IReadOnlyList<double>)c.Normalised).ToList();
            double? iqm = null, low = null, high = null;
            string? note = null;
            if (strata.Count > 0)
            {
                iqm = ScoreStatistics.InterquartileMean(strata);
                if (strata.All(s => s.Count == 1)) note = SingleSeedNote;
                else (low, high) = ScoreStatistics.StratifiedBootstrapCi(strata);
            }
            return new PipelineRuleDto(rule.Label, rule.Rule, rule.Role, mine.Count, mine.Count(r => r.Status == RunStatus.Succeeded),
                cells.Select(c => c.Cell).ToList(), iqm, low, high, strata.Count, strata.Sum(s => s.Count), note);
        }).ToList();

        var metaDto = runDtos.FirstOrDefault(r => r.Role == MetaTrainRole)
                      ?? new PipelineRunDto(pipeline.MetaTrainRunId, MetaTrainRole, WireNames.ToWire(RunKind.MetaTrain), "", "", 0, "unknown", 0, 0, null, null, null);
        var counts = runDtos.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        return new PipelineDto(pipeline.Id, pipeline.Name, WireNames.ToWire(pipeline.Stage), pipeline.Error, pipeline.CreatedAt, pipeline.CancelRequestedAt,
            JsonDocument.Parse(pipeline.Definition).RootElement.Clone(), metaDto,
            selected is null ? null : new PipelineSelectedRuleDto(selected.Id, selectedRule!, selected.Step, selected.ValidationReturn),
            environments, table, runDtos, counts);
    }

    private static double Normalise(double score, PipelineEnvironmentDto env) => (score - env.Random!.Value) / (env.Reference!.Value - env.Random.Value);

    /// <summary>The mean score of this pipeline's finished PPO runs on the environment, once all of them have finished.</summary>
    private static double? PpoMean(IReadOnlyList<Run> runs, string env, IReadOnlyList<string> baselines)
    {
        if (!baselines.Contains(RuleCatalog.Ppo)) return null;
        var ppo = runs.Where(r => r.Rule == RuleCatalog.Ppo && r.EnvironmentId == env).ToList();
        if (ppo.Count == 0 || ppo.Any(r => r.Status != RunStatus.Succeeded || r.FinalScore is null)) return null;
        return ppo.Average(r => EnvironmentCatalog.Get(env).HasTestLevels ? r.FinalReturnTestLevels ?? r.FinalScore!.Value : r.FinalScore!.Value);
    }
}
