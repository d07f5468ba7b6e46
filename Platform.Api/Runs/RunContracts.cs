using Platform.Data.Runs;
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
    /// <summary>Train: disco103 | actor-critic | ppo | meta-network:ID (a meta-network checkpoint of the team). Not for other kinds.</summary>
    public string? Rule { get; set; }
    /// <summary>Train: environment steps. Meta-train: meta-steps. Ranges: GET /api/run-options.</summary>
    public long? Steps { get; set; }
    /// <summary>Meta-train: where the rule starts, random (default) | disco103 | meta-network:ID.</summary>
    public string? Init { get; set; }
    /// <summary>Evaluate: the agent checkpoint to evaluate (GET /api/checkpoints?kind=agent).</summary>
    public Guid? AgentCheckpointId { get; set; }
    /// <summary>Evaluate: episodes to run (range and default: GET /api/run-options).</summary>
    public int? Episodes { get; set; }
    /// <summary>Evaluate: take the policy's most likely action instead of sampling (default false).</summary>
    public bool? Greedy { get; set; }
    /// <summary>Evaluate, ProcGen only: train (the agent's training levels, default) | test (only levels outside them).</summary>
    public string? Levels { get; set; }
    /// <summary>Random seed (0..2147483647); chosen and recorded when omitted.</summary>
    public long? Seed { get; set; }
    /// <summary>cpu | gpu (default cpu).</summary>
    public string? Queue { get; set; }
    /// <summary>The kind's options by name (GET /api/run-options lists them with types, defaults and ranges).</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>Optional and redundant: the meta-network the rule (train) or init (meta-train) names; must agree with it.</summary>
    public Guid? MetaNetworkCheckpointId { get; set; }
    /// <summary>
    /// The run's name, unique within the team (rules: PATCH /api/runs/{id}). Default: what the run is, e.g.
    /// "catch/5x5 disco103 s1", numbered "#2", "#3"… after the first.
    /// </summary>
    public string? Name { get; set; }
}

/// <summary>Body of PATCH /api/runs/{id}.</summary>
public sealed class RenameRunRequest
{
    /// <summary>The new name: unique within the team; letters, digits, spaces and _ . : / # + - ( ), at most 80 characters.</summary>
    public string? Name { get; set; }
}

public sealed record RunDto(
    Guid Id, RunKind Kind, RunStatus Status, RunQueue Queue, string Env, string Rule, long Seed,
    long CurrentStep, long TotalSteps, double Progress, double? FinalScore, List<string> Tags, JsonElement Spec,
    Guid? MetaNetworkCheckpointId, string? IdempotencyKey, string? WorkerName, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? CancelRequestedAt,
    double? FinalReturnTrainLevels, double? FinalReturnTestLevels, int? FinalScoreEpisodes, Guid? RerunOfId, JsonElement? Provenance,
    string? Name, DateTimeOffset? ArchivedAt)
{
    /// <summary>The run as lists show it; <paramref name="withProvenance"/> adds its provenance record (one run's read).</summary>
    public static RunDto From(Run r, bool withProvenance = false) => new(
        r.Id, r.Kind, r.Status, r.Queue, r.EnvironmentId, r.Rule, r.Seed,
        r.CurrentStep, r.TotalSteps, r.TotalSteps > 0 ? Math.Clamp((double)r.CurrentStep / r.TotalSteps, 0, 1) : 0, r.FinalScore,
        r.Tags, JsonDocument.Parse(r.Spec).RootElement.Clone(),
        r.MetaNetworkCheckpointId, r.IdempotencyKey, r.WorkerName, r.Error,
        r.CreatedAt, r.StartedAt, r.FinishedAt, r.CancelRequestedAt, r.FinalReturnTrainLevels, r.FinalReturnTestLevels, r.FinalScoreEpisodes,
        r.RerunOfId, withProvenance && r.Provenance is { } p ? OrderedProvenance(p) : null, r.Name, r.ArchivedAt);

    /// <summary>The stored record (jsonb keeps keys in its own order) with its keys in <see cref="RunProvenanceKeys.All"/>'s order.</summary>
    private static JsonElement OrderedProvenance(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return doc.RootElement.Clone();
        var rank = RunProvenanceKeys.All.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        var ordered = doc.RootElement.EnumerateObject().OrderBy(p => rank.GetValueOrDefault(p.Name, int.MaxValue)).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(p => p.Name, p => p.Value.Clone());
        return JsonSerializer.SerializeToElement(ordered);
    }
}

public sealed record RunPage(IReadOnlyList<RunDto> Items, int Page, int PageSize, int Total);

public sealed record MetricPointDto(long Step, double Value, DateTimeOffset WallTime);

/// <summary>One series; TotalPoints counts the points stored, more than Points.Count when downsampled.</summary>
public sealed record MetricSeriesDto(string Name, int TotalPoints, IReadOnlyList<MetricPointDto> Points);

public sealed record RunMetricsDto(Guid RunId, IReadOnlyList<MetricSeriesDto> Series);
