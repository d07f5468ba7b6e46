using System.Text.Json;
using Platform.Data.Entities;

namespace Platform.Api.Runs;

/// <summary>Body of POST /api/runs. Strings rather than enums so a bad value is reported against its field.</summary>
public sealed class SubmitRunRequest
{
    /// <summary>train | evaluate | meta-train (default train).</summary>
    public string? Kind { get; set; }
    /// <summary>Environment id from GET /api/environments, e.g. "catch/8x8". Evaluate: default the agent's own environment.</summary>
    public string? Env { get; set; }
    /// <summary>Meta-train: the environments the rule is meta-trained on (one population member per agent; 1 to 16 ids).</summary>
    public List<string>? Envs { get; set; }
    /// <summary>Train: disco103 | actor-critic | ppo | npz:PATH | meta-network:ID (with metaNetworkCheckpointId ID). Not for other kinds.</summary>
    public string? Rule { get; set; }
    /// <summary>Train: environment steps (positive). Meta-train: meta-steps (1 to 1,000,000).</summary>
    public long? Steps { get; set; }
    /// <summary>Meta-train: where the rule starts, random (default) | disco103; or name a meta-network in metaNetworkCheckpointId.</summary>
    public string? Init { get; set; }
    /// <summary>Evaluate: the agent checkpoint to evaluate (GET /api/checkpoints?kind=agent).</summary>
    public Guid? AgentCheckpointId { get; set; }
    /// <summary>Evaluate: episodes to run (1 to 100,000; default 100).</summary>
    public int? Episodes { get; set; }
    /// <summary>Evaluate: take the policy's most likely action instead of sampling (default false).</summary>
    public bool? Greedy { get; set; }
    /// <summary>Random seed (0..2147483647); chosen and recorded when omitted.</summary>
    public long? Seed { get; set; }
    /// <summary>cpu | gpu (default cpu).</summary>
    public string? Queue { get; set; }
    /// <summary>Numbers, strings or booleans passed to the rule.</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>Train: a meta-network checkpoint to train with (lineage). Meta-train: the meta-network to start from.</summary>
    public Guid? MetaNetworkCheckpointId { get; set; }
}

/// <summary>
/// The validated, normalised submission: stored as the run's spec (jsonb) for the worker. Env is the run's environment
/// (meta-train: the first of Envs); Rule what the run is listed under (meta-train: its init; evaluate: the agent's rule);
/// Steps its progress budget (train: environment steps; meta-train: meta-steps; evaluate: episodes).
/// </summary>
public sealed record RunSpec(
    RunKind Kind, string Env, string Rule, long Steps, long Seed, RunQueue Queue,
    Dictionary<string, JsonElement> Hyperparameters, List<string> Tags, Guid? MetaNetworkCheckpointId,
    List<string>? Envs = null, string? Init = null, Guid? AgentCheckpointId = null, int? Episodes = null, bool? Greedy = null);

public sealed record RunDto(
    Guid Id, RunKind Kind, RunStatus Status, RunQueue Queue, string Env, string Rule, long Seed,
    long CurrentStep, long TotalSteps, double Progress, double? FinalScore, List<string> Tags, JsonElement Spec,
    Guid? MetaNetworkCheckpointId, string? IdempotencyKey, string? WorkerName, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? CancelRequestedAt)
{
    public static RunDto From(Run r) => new(
        r.Id, r.Kind, r.Status, r.Queue, r.EnvironmentId, r.Rule, r.Seed,
        r.CurrentStep, r.TotalSteps, r.TotalSteps > 0 ? Math.Clamp((double)r.CurrentStep / r.TotalSteps, 0, 1) : 0, r.FinalScore,
        r.Tags, JsonDocument.Parse(r.Spec).RootElement.Clone(),
        r.MetaNetworkCheckpointId, r.IdempotencyKey, r.WorkerName, r.Error,
        r.CreatedAt, r.StartedAt, r.FinishedAt, r.CancelRequestedAt);
}

public sealed record RunPage(IReadOnlyList<RunDto> Items, int Page, int PageSize, int Total);

public sealed record MetricPointDto(long Step, double Value, DateTimeOffset WallTime);

/// <summary>One series; TotalPoints counts the points stored, more than Points.Count when downsampled.</summary>
public sealed record MetricSeriesDto(string Name, int TotalPoints, IReadOnlyList<MetricPointDto> Points);

public sealed record RunMetricsDto(Guid RunId, IReadOnlyList<MetricSeriesDto> Series);
