using System.Text.Json;
using Platform.Data.Entities;

namespace Platform.Api.Runs;

/// <summary>Body of POST /api/runs. Strings rather than enums so a bad value is reported against its field.</summary>
public sealed class SubmitRunRequest
{
    /// <summary>train | evaluate | meta-train (default train).</summary>
    public string? Kind { get; set; }
    /// <summary>Environment id from GET /api/environments, e.g. "catch/8x8".</summary>
    public string? Env { get; set; }
    /// <summary>disco103 | actor-critic | ppo | npz:PATH.</summary>
    public string? Rule { get; set; }
    /// <summary>Environment steps to train for (positive).</summary>
    public long? Steps { get; set; }
    /// <summary>Random seed (0..2147483647); chosen and recorded when omitted.</summary>
    public long? Seed { get; set; }
    /// <summary>cpu | gpu (default cpu).</summary>
    public string? Queue { get; set; }
    /// <summary>Numbers, strings or booleans passed to the rule.</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>A meta-network checkpoint to train with (lineage).</summary>
    public Guid? MetaNetworkCheckpointId { get; set; }
}

/// <summary>The validated, normalised submission: stored as the run's spec (jsonb) for the worker.</summary>
public sealed record RunSpec(
    RunKind Kind, string Env, string Rule, long Steps, long Seed, RunQueue Queue,
    Dictionary<string, JsonElement> Hyperparameters, List<string> Tags, Guid? MetaNetworkCheckpointId);

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
