using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Pipelines;

/// <summary>
/// Transfer pipelines of one team: create (the meta-train run and the baselines' runs at once, every run of the evaluation
/// validated and the quota checked for all of them first), list, read with the result table, cancel. The selected rule's
/// runs are created later by <see cref="PipelineAdvancer"/>.
/// </summary>
public sealed class PipelineService(PlatformDbContext db, RunService runs, RunQuotas quotas, PipelineAdvancer advancer)
{
    public const int MaxEnvironments = 16, MaxSeeds = 10;
    /// <summary>The baselines when the request names none.</summary>
    public static readonly IReadOnlyList<string> DefaultBaselines = [.. RuleCatalog.Named.Select(r => r.Id)];

    /// <summary>The tag every run of a pipeline carries (the runs list filters on it).</summary>
    public static string Tag(Guid pipelineId) => "pipeline:" + pipelineId;

    /// <summary>The idempotency key of one evaluation run: a retried creation finds the run instead of adding a second.</summary>
    public static string EvaluationKey(Guid pipelineId, string rule, string env, long seed) => $"pipeline:{pipelineId}/{rule}/{env}/{seed}";

    /// <summary>The stand-in rule the selected rule's runs are validated with before it exists: its options are disco103's (<see cref="RuleCatalog.DefaultsFamily"/>).</summary>
    private const string SelectedRuleStandIn = RuleCatalog.Disco103;

    public sealed record CreateResult(PipelineCreatedDto? Created, IResult? Problem);

    /// <summary>The validated plan of a pipeline: the meta-train spec and every evaluation run's spec but the selected rule's.</summary>
    private sealed record Plan(MetaTrainRunSpec MetaTrain, IReadOnlyList<string> Envs, IReadOnlyList<string> Baselines, IReadOnlyList<long> Seeds,
        IReadOnlyList<TrainRunSpec> BaselineRuns, IReadOnlyList<TrainRunSpec> SelectedRuleStandIns);

    public async Task<CreateResult> CreateAsync(SubmitPipelineRequest request, Guid teamId, Guid userId, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var (plan, errors) = await ValidateAsync(request, id, teamId, ct);
        if (plan is null) return new(null, Problems.Validation(errors));
        // The quota is checked for every run the pipeline will make, the selected rule's included (stand-ins of its specs).
        var all = new List<RunSpec> { plan.MetaTrain };
        all.AddRange(plan.BaselineRuns);
        all.AddRange(plan.SelectedRuleStandIns);
        if (await quotas.CheckAsync(teamId, all, ct) is { } refusal) return new(null, Problems.Quota(refusal));

        var pipeline = new Pipeline
        {
            Id = id, TeamId = teamId, CreatedByUserId = userId, Name = request.Name!.Trim(), Stage = PipelineStage.MetaTraining,
            CreatedAt = DateTimeOffset.UtcNow,
            Definition = JsonSerializer.Serialize(new
            {
                metaTrain = request.MetaTrain,
                evaluation = new { envs = plan.Envs, request.Evaluation!.Steps, seeds = plan.Seeds, baselines = plan.Baselines,
                    request.Evaluation.Hyperparameters, request.Evaluation.Queue },
            }, ApiJson.Strict),
        };
        db.Pipelines.Add(pipeline);
        await db.SaveChangesAsync(ct);

        SubmitResult meta;
        try
        {
            meta = await runs.SubmitAsync(plan.MetaTrain, teamId, userId, null, CancellationToken.None, quotaChecked: true, pipelineId: id);
        }
        catch
        {
            // Nothing of the pipeline runs: it must not sit in meta-training for ever (the advancer also fails one left so).
            await db.Pipelines.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Stage, PipelineStage.Failed)
                .SetProperty(p => p.Error, "The submission was interrupted before its meta-train run was stored."), CancellationToken.None);
            throw;
        }
        pipeline.MetaTrainRunId = meta.Run!.Id;
        await db.SaveChangesAsync(CancellationToken.None);
        var ids = new List<Guid> { meta.Run.Id };
        foreach (var spec in plan.BaselineRuns)
        {
            var key = EvaluationKey(id, spec.Rule.ToString(), spec.Env, spec.Seed);
            ids.Add((await runs.SubmitAsync(spec, teamId, userId, key, CancellationToken.None, quotaChecked: true, pipelineId: id)).Run!.Id);
        }
        return new(new PipelineCreatedDto(id, meta.Run.Id, ids), null);
    }

    private async Task<(Plan? Plan, Dictionary<string, string[]> Errors)> ValidateAsync(SubmitPipelineRequest request, Guid id, Guid teamId, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name)) Add("name", "Required.");
        else if (name.Length > 200) Add("name", "At most 200 characters.");

        // The meta-train run: the run validator, its fields under metaTrain.
        MetaTrainRunSpec? meta = null;
        if (request.MetaTrain is not { } metaRequest) Add("metaTrain", "Required: a meta-train submission (envs, steps, hyperparameters).");
        else if (metaRequest.Kind is not null && metaRequest.Kind != WireNames.ToWire(RunKind.MetaTrain))
            Add("metaTrain.kind", $"A pipeline's first run is a meta-train run (kind \"{WireNames.ToWire(RunKind.MetaTrain)}\" or none).");
        else
        {
            var tags = new List<string> { Tag(id) };
            tags.AddRange(metaRequest.Tags ?? []);
            var (spec, problems) = await RunSpecValidator.ValidateAsync(new SubmitRunRequest
            {
                Kind = WireNames.ToWire(RunKind.MetaTrain), Env = metaRequest.Env, Envs = metaRequest.Envs, Init = metaRequest.Init, Steps = metaRequest.Steps,
                Seed = metaRequest.Seed, Queue = metaRequest.Queue, Hyperparameters = metaRequest.Hyperparameters, Tags = tags,
                MetaNetworkCheckpointId = metaRequest.MetaNetworkCheckpointId,
            }, teamId, db, ct);
            foreach (var (field, messages) in SuiteEvaluation.UserFields(problems, fixedTags: 1)) errors["metaTrain." + field] = messages;
            meta = spec as MetaTrainRunSpec;
            var validateEvery = MetaTrainOptions.ValidateEvery;
            var every = meta is not null && meta.Hyperparameters.TryGetValue(validateEvery.Name, out var given) ? given.GetDouble() : 0;
            if (meta is not null && (every < 1 || every > meta.Steps))
                Add("metaTrain." + validateEvery.FieldPath,
                    $"A pipeline takes the rule meta-validation selects: set {validateEvery.Name} from 1 to the meta-steps ({meta.Steps}); validation also runs at 0 and at the end.");
        }

        // The evaluation.
        var evaluation = request.Evaluation;
        List<string> envs = [];
        List<long> seeds = [];
        List<string> baselines = [];
        if (evaluation is null) Add("evaluation", "Required: the environments, steps and seeds the selected rule is evaluated on.");
        else
        {
            if (evaluation.Suite is not null && evaluation.Envs is not null) Add("evaluation.envs", "Give a suite or a list of environments, not both.");
            else if (evaluation.Suite is not null)
            {
                if (!EnvironmentCatalog.SuiteNames.TryGetValue(evaluation.Suite, out var suite))
                    Add("evaluation.suite", $"Unknown suite '{evaluation.Suite}'; expected one of {string.Join(", ", EnvironmentCatalog.SuiteNames.Keys)}.");
                else envs = [.. EnvironmentCatalog.All.Where(e => e.Suite == suite).Select(e => e.Id).Order(StringComparer.Ordinal)];
            }
            else if (evaluation.Envs is null || evaluation.Envs.Count == 0) Add("evaluation.envs", "Required: a suite, or one or more environment ids.");
            else envs = evaluation.Envs;
            if (envs.Count > MaxEnvironments) Add("evaluation.envs", $"At most {MaxEnvironments} environments.");
            else if (envs.Distinct(StringComparer.Ordinal).Count() != envs.Count) Add("evaluation.envs", "An environment is listed twice.");

            seeds = evaluation.Seeds ?? [];
            if (seeds.Count == 0) Add("evaluation.seeds", "Required: one or more seeds.");
            else if (seeds.Count > MaxSeeds) Add("evaluation.seeds", $"At most {MaxSeeds} seeds.");
            else if (seeds.Distinct().Count() != seeds.Count) Add("evaluation.seeds", "A seed is listed twice.");

            baselines = evaluation.Baselines ?? [.. DefaultBaselines];
            for (int i = 0; i < baselines.Count; i++)
                if (!RuleCatalog.IsNamed(baselines[i]))
                    Add($"evaluation.baselines[{i}]", $"Unknown rule '{baselines[i]}'; a baseline is one of {string.Join(", ", RuleCatalog.Named.Select(r => r.Id))}.");
            if (baselines.Distinct(StringComparer.Ordinal).Count() != baselines.Count) Add("evaluation.baselines", "A rule is listed twice.");
            var total = 1 + (baselines.Count + 1) * envs.Count * seeds.Count;
            if (total > Sweeps.SweepExpansion.MaxRuns)
                Add("evaluation", $"This pipeline would make {total} runs; at most {Sweeps.SweepExpansion.MaxRuns}.");
        }
        if (errors.Count > 0) return (null, errors);

        // Every evaluation run through the train validator (the selected rule's as its stand-in), errors under evaluation.
        var (runsOut, standIns) = (new List<TrainRunSpec>(), new List<TrainRunSpec>());
        foreach (var rule in baselines.Prepend(SelectedRuleStandIn).Distinct())
        foreach (var env in envs)
        foreach (var seed in seeds)
        {
            var (spec, problems) = await RunSpecValidator.ValidateAsync(EvaluationRequest(id, rule, env, seed, evaluation!), teamId, db, ct);
            if (spec is null)
            {
                foreach (var (field, messages) in problems)
                    errors[field == "env" ? $"evaluation.envs[{envs.IndexOf(env)}]" : "evaluation." + field] = messages;
                return (null, errors);
            }
            if (baselines.Contains(rule)) runsOut.Add((TrainRunSpec)spec);
            if (rule == SelectedRuleStandIn) standIns.Add((TrainRunSpec)spec);
        }
        return (new Plan(meta!, envs, baselines, seeds, runsOut, standIns), errors);
    }

    /// <summary>One evaluation run as a train submission: the rule on the environment with the seed, the evaluation's options.</summary>
    internal static SubmitRunRequest EvaluationRequest(Guid pipelineId, string rule, string env, long seed, PipelineEvaluationRequest evaluation) => new()
    {
        Kind = WireNames.ToWire(RunKind.Train), Env = env, Rule = rule, Steps = evaluation.Steps, Seed = seed, Queue = evaluation.Queue,
        Hyperparameters = evaluation.Hyperparameters, Tags = [Tag(pipelineId)],
    };

    public async Task<IReadOnlyList<PipelineListItemDto>> ListAsync(Guid teamId, CancellationToken ct)
    {
        var pipelines = await db.Pipelines.AsNoTracking().Where(p => p.TeamId == teamId).OrderByDescending(p => p.CreatedAt).Take(200).ToListAsync(ct);
        var ids = pipelines.Select(p => p.Id).ToList();
        var counts = await db.Runs.AsNoTracking().Where(r => r.PipelineId != null && ids.Contains(r.PipelineId.Value))
            .GroupBy(r => new { r.PipelineId, r.Status }).Select(g => new { g.Key.PipelineId, g.Key.Status, N = g.Count() }).ToListAsync(ct);
        return pipelines.Select(p =>
        {
            var mine = counts.Where(c => c.PipelineId == p.Id).ToDictionary(c => WireNames.ToWire(c.Status), c => c.N);
            return new PipelineListItemDto(p.Id, p.Name, WireNames.ToWire(p.Stage), p.CreatedAt, mine.Values.Sum(), mine);
        }).ToList();
    }

    /// <summary>One pipeline with its result table; it is advanced first, so a read never shows a stage the runs have left.</summary>
    public async Task<PipelineDto?> GetAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        if (!await db.Pipelines.AnyAsync(p => p.Id == id && p.TeamId == teamId, ct)) return null;
        await advancer.AdvanceAsync(id, ct);
        var pipeline = await db.Pipelines.AsNoTracking().FirstAsync(p => p.Id == id, ct);
        var members = await db.Runs.AsNoTracking().Where(r => r.PipelineId == id && r.TeamId == teamId).OrderBy(r => r.CreatedAt).ToListAsync(ct);
        var selected = pipeline.SelectedCheckpointId is { } cid ? await db.Checkpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cid, ct) : null;
        return PipelineResults.Build(pipeline, members, selected);
    }

    /// <summary>Cancels the pipeline: its unfinished runs (queued at once, running ones asked to stop), and no selected-rule runs are made.</summary>
    public async Task<PipelineDto?> CancelAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var pipeline = await db.Pipelines.FirstOrDefaultAsync(p => p.Id == id && p.TeamId == teamId, ct);
        if (pipeline is null) return null;
        pipeline.CancelRequestedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await db.Pipelines.Where(p => p.Id == id && (p.Stage == PipelineStage.MetaTraining || p.Stage == PipelineStage.Evaluating))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Stage, PipelineStage.Cancelled), ct);
        await runs.CancelActiveAsync(teamId, r => r.PipelineId == id, ct);
        return await GetAsync(teamId, id, ct);
    }
}
