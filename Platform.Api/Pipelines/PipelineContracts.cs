using System.Text.Json;
using Platform.Api.Runs;

namespace Platform.Api.Pipelines;

/// <summary>
/// POST /api/pipelines: the transfer experiment as one submission — meta-train a rule (with meta-validation choosing it),
/// freeze the selected rule, and train fresh agents with it on other environments beside the baselines, at the same
/// budget and seeds.
/// </summary>
public sealed class SubmitPipelineRequest
{
    /// <summary>1 to 200 characters.</summary>
    public string? Name { get; set; }
    /// <summary>
    /// A POST /api/runs body of kind meta-train (kind may be left out): envs, steps (meta-steps), init, seed, queue,
    /// hyperparameters. Its hyperparameters must set validate-every ≥ 1: the pipeline takes the rule meta-validation selects.
    /// </summary>
    public SubmitRunRequest? MetaTrain { get; set; }
    public PipelineEvaluationRequest? Evaluation { get; set; }
}

/// <summary>Where the selected rule is evaluated: fresh agents trained from scratch with it, and with each baseline.</summary>
public sealed class PipelineEvaluationRequest
{
    /// <summary>catch | minatar (alias atari) | procgen: every environment of the suite. Or list them in envs.</summary>
    public string? Suite { get; set; }
    /// <summary>Environment ids (1 to 16) instead of a suite.</summary>
    public List<string>? Envs { get; set; }
    /// <summary>Environment steps of every evaluation run.</summary>
    public long? Steps { get; set; }
    /// <summary>Seeds (1 to 10 distinct): every rule trains one agent per environment and seed.</summary>
    public List<long>? Seeds { get; set; }
    /// <summary>Rules to compare against (named rules; default disco103, actor-critic and ppo; may be empty).</summary>
    public List<string>? Baselines { get; set; }
    /// <summary>Train options applied to every evaluation run (each rule otherwise takes its own defaults for the suite).</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    /// <summary>cpu | gpu (default cpu), for the evaluation runs.</summary>
    public string? Queue { get; set; }
}

public sealed record PipelineCreatedDto(Guid Id, Guid MetaTrainRunId, IReadOnlyList<Guid> RunIds);

public sealed record PipelineListItemDto(Guid Id, string Name, string Stage, DateTimeOffset CreatedAt, int Runs, IReadOnlyDictionary<string, int> Counts);

/// <summary>The rule meta-validation selected: a meta-network checkpoint of the meta-train run.</summary>
public sealed record PipelineSelectedRuleDto(Guid CheckpointId, string Rule, long MetaStep, double? ValidationReturn);

/// <summary>
/// One evaluation environment: whether the pipeline's rule was meta-trained on it (in distribution), which score counts
/// (ProcGen: the final policy on unseen test levels), and the normalisation (random play → 0, reference → 1).
/// </summary>
public sealed record PipelineEnvironmentDto(string Env, bool InDistribution, string Score, double? Random, double? Reference,
    string Normalisation, string? Unavailable);

/// <summary>One rule on one environment: its finished runs' scores over seeds.</summary>
public sealed record PipelineCellDto(string Env, int Runs, int Finished, IReadOnlyList<double> Scores, double? Mean, double? MeanNormalised);

/// <summary>
/// One rule over the evaluation: per environment, and the interquartile mean of its normalised scores with a 95 %
/// stratified-bootstrap confidence interval (over the environments that can be normalised). With one score per environment
/// the bootstrap cannot vary (it resamples within each environment): no interval then, and <paramref name="IqmNote"/> says why.
/// </summary>
public sealed record PipelineRuleDto(string Label, string? Rule, string Role, int Runs, int Finished, IReadOnlyList<PipelineCellDto> Cells,
    double? Iqm, double? IqmLow, double? IqmHigh, int IqmEnvironments, int IqmScores, string? IqmNote);

/// <summary>A run of the pipeline; role meta-train | selected-rule | baseline; its name (null until one is given).</summary>
public sealed record PipelineRunDto(Guid Id, string Role, string Kind, string Env, string Rule, long Seed, string Status,
    long CurrentStep, long TotalSteps, double? Score, string? Error, string? Name);

public sealed record PipelineDto(
    Guid Id, string Name, string Stage, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt, JsonElement Definition,
    PipelineRunDto MetaTrainRun, PipelineSelectedRuleDto? SelectedRule, IReadOnlyList<PipelineEnvironmentDto> Environments,
    IReadOnlyList<PipelineRuleDto> Rules, IReadOnlyList<PipelineRunDto> Runs, IReadOnlyDictionary<string, int> Counts);
