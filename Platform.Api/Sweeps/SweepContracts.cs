using System.Text.Json;
using Platform.Api.Runs;

namespace Platform.Api.Sweeps;

/// <summary>POST /api/sweeps: a base run submission expanded over parameter values and seeds.</summary>
public sealed class SubmitSweepRequest
{
    /// <summary>1 to 200 characters.</summary>
    public string? Name { get; set; }
    /// <summary>A POST /api/runs body: every run of the sweep is it with the swept values and a seed put in.</summary>
    public SubmitRunRequest? Base { get; set; }
    /// <summary>grid (every combination of the listed values) | random (count draws).</summary>
    public string? Method { get; set; }
    /// <summary>
    /// By name: "rule", "env" (train) or an option of the base's kind (GET /api/run-options). A list of values, or for
    /// random a distribution {"distribution": "uniform" | "log-uniform" | "int-uniform", "low", "high"}.
    /// </summary>
    public Dictionary<string, JsonElement>? Parameters { get; set; }
    /// <summary>Random: how many draws (1 to the run limit).</summary>
    public int? Count { get; set; }
    /// <summary>The seeds every setting runs with (default: the base's seed, else 0).</summary>
    public List<long>? Seeds { get; set; }
    /// <summary>Random: the seed of the draws (chosen and recorded when omitted).</summary>
    public int? RandomSeed { get; set; }
}

public sealed record SweepCreatedDto(Guid Id, IReadOnlyList<Guid> RunIds);

public sealed record SweepListItemDto(Guid Id, string Name, string Method, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt,
    int Runs, IReadOnlyDictionary<string, int> Counts, DateTimeOffset? ArchivedAt);

/// <summary>One run of a sweep: its point (the swept values and "seed"), and its name (null until one is given).</summary>
public sealed record SweepRunDto(Guid Id, string Status, double? FinalScore, JsonElement Point, string? Name);

/// <summary>One setting (a point without its seed) over its seeds: finished runs' final scores.</summary>
public sealed record SweepSettingDto(JsonElement Point, int Runs, int Finished, double? MeanFinalScore, double? MinFinalScore, double? MaxFinalScore);

/// <summary>One value of a swept parameter over every finished run that had it (other parameters and seeds pooled).</summary>
public sealed record SweepValueDto(JsonElement Value, int Finished, double? MeanFinalScore, double? MinFinalScore, double? MaxFinalScore);

/// <summary>
/// One rule's robustness over the sweep (<see cref="SweepRobustness"/>): of its settings with a finished run
/// (<paramref name="Settings"/>), how many have a mean final score within 10 % of its best, normalised per environment
/// from random play (0) to that best (1).
/// </summary>
public sealed record SweepRobustnessDto(string Rule, int Settings, int WithinTenPercent, double? Share, string? Note);

public sealed record SweepDto(
    Guid Id, string Name, string Method, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt, JsonElement Definition,
    IReadOnlyDictionary<string, int> Counts, IReadOnlyList<SweepRunDto> Runs, IReadOnlyList<SweepSettingDto> Settings,
    SweepSettingDto? Best, IReadOnlyDictionary<string, IReadOnlyList<SweepValueDto>> ByParameter, IReadOnlyList<SweepRobustnessDto> Robustness,
    DateTimeOffset? ArchivedAt);
