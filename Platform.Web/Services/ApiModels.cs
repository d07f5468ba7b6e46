using System.Text.Json;

namespace Platform.Web.Services;

// The API's wire shapes (camelCase JSON; enums as kebab-case strings, kept as strings here).

public sealed record AntiforgeryTokenDto(string Token, string HeaderName);
public sealed record MeDto(Guid Id, string Email, string? DisplayName, Guid TeamId, bool IsAdmin);
/// <summary>Scope is "read", "submit" or "admin" (the API's ApiKeyScope).</summary>
public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, string Scope, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
/// <summary>
/// The Settings page's choices for a new key. The API decides (ApiKeyScope, Platform:ApiKeys); the web app has no
/// reference to it, so <c>ApiKeyChoicesTests</c> fails when these drift from the API's names and limits.
/// </summary>
public static class ApiKeyChoices
{
    public static readonly IReadOnlyList<string> Scopes = ["read", "submit", "admin"];
    public const string DefaultScope = "submit";
    public static readonly IReadOnlyList<int> LifetimeDays = [1, 7, 30, 90, 365];
    public const int DefaultLifetimeDays = 90;
    /// <summary>The name of the administrator key the API makes on its first start (Bootstrapper.BootstrapKeyName): revoking it is worth a warning.</summary>
    public const string BootstrapKeyName = "bootstrap";
}

public sealed record CreatedApiKeyDto(Guid Id, string Name, string Prefix, string Scope, DateTimeOffset ExpiresAt, string Key);

public sealed record EnvironmentDto(string Id, string Suite, string SuiteName, string Name, string? Description,
    double? RandomScore, double? ReferenceScore);
public sealed record RuleInfo(string Id, string Description, bool MetaLearned);

/// <summary>A suite of the environment catalogue (GET /api/suites), in the order pages show them.</summary>
public sealed record SuiteDto(string Id, string Name, string Title, string Description, List<string> Aliases, List<string> EnvironmentIds);

/// <summary>One option of a run kind (GET /api/run-options): the form renders its field, label, help, default and range from it.</summary>
public sealed record RunOptionDto(string Name, string? Field, string Label, string Type, string Help, JsonElement? Default,
    string? DefaultText, double? Min, bool MinExclusive, double? Max, List<string>? Choices,
    string Flag, string FieldPath, string DefaultDescription, string RangeDescription, string HelpLine)
{
    public bool IsHyperparameter => Field is null;
    public bool IsInteger => Type == "integer";

    /// <returns>Null when <paramref name="x"/> is in range, else the same message the API gives.</returns>
    public string? CheckRange(double x) =>
        !double.IsFinite(x) || Min is { } lo && (MinExclusive ? x <= lo : x < lo) || Max is { } hi && x > hi ? $"Must be {RangeDescription}." : null;

    /// <summary>The default as the form pre-fills it ("" when derived).</summary>
    public string DefaultValue => FormText(Default);

    /// <summary>A JSON value as a form field holds it: a string's text, a number's literal; "" for none.</summary>
    public static string FormText(JsonElement? value) => value is { } d ? d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText() : "";
}

/// <summary>The train defaults for one environment and rule (GET /api/run-options/train/defaults) and the throughput to expect.</summary>
public sealed record TrainDefaultsDto(string Env, string Suite, string Rule, List<OptionDefaultDto> Options, ThroughputDto? Throughput)
{
    public OptionDefaultDto? Option(string name) => Options.FirstOrDefault(o => o.Name == name);
}
public sealed record OptionDefaultDto(string Name, JsonElement? Value, string Description)
{
    /// <summary>The value as a form field holds it ("" when derived).</summary>
    public string Text => RunOptionDto.FormText(Value);
}
public sealed record ThroughputDto(string Queue, double StepsPerSecond, string Basis)
{
    /// <summary>"about 3 min", "about 2 h 10 min" for a budget of <paramref name="steps"/>.</summary>
    public string About(long steps) => About(Seconds(steps));

    /// <summary>Seconds a budget of <paramref name="steps"/> takes at this throughput.</summary>
    public double Seconds(long steps) => steps / Math.Max(1e-9, StepsPerSecond);

    /// <summary>"about 3 min", "about 2 h 10 min" for a duration in seconds.</summary>
    public static string About(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalMinutes < 1 ? $"about {Math.Max(1, (int)Math.Round(t.TotalSeconds))} s"
            : t.TotalHours < 1 ? $"about {(int)Math.Round(t.TotalMinutes)} min"
            : t.TotalDays < 2 ? $"about {(int)t.TotalHours} h {t.Minutes} min"
            : $"about {t.TotalDays:F0} days";
    }
}

public sealed record RunDto(
    Guid Id, string Kind, string Status, string Queue, string Env, string Rule, long Seed,
    long CurrentStep, long TotalSteps, double Progress, double? FinalScore, List<string> Tags, JsonElement Spec,
    Guid? MetaNetworkCheckpointId, string? IdempotencyKey, string? WorkerName, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? CancelRequestedAt,
    double? FinalReturnTrainLevels = null, double? FinalReturnTestLevels = null, int? FinalScoreEpisodes = null,
    Guid? RerunOfId = null, JsonElement? Provenance = null, string? Name = null, DateTimeOffset? ArchivedAt = null)
{
    /// <summary>What pages call the run: its name, or its short id for a run stored without one.</summary>
    public string Label() => Name ?? ShortIds.Of(Id);
    public bool IsFinished => Status is "succeeded" or "failed" or "cancelled";
    public bool IsActive => Status is "queued" or "running";
    /// <summary>The current step as pages show it: never past the total (<see cref="CurveMath.ShownStep"/>).</summary>
    public long ShownStep => CurveMath.ShownStep(CurrentStep, TotalSteps);
}

public sealed record RunPage(List<RunDto> Items, int Page, int PageSize, int Total);

public sealed record SweepListItemDto(Guid Id, string Name, string Method, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt,
    int Runs, Dictionary<string, int> Counts, DateTimeOffset? ArchivedAt = null);

/// <summary>Something that cites a run (kind run | pipeline block a deletion; leaderboard | sweep | rerun need force).</summary>
public sealed record CitationDto(string Kind, bool Blocks, string Description, Guid? Id);

/// <summary>What deleting a checkpoint would do; Blocked says why it cannot be deleted now.</summary>
public sealed record CheckpointDeletionDto(Guid CheckpointId, string? Blocked, List<CitationDto> Citations, long Bytes);

/// <summary>What deleting a run would do; Blocked says why it cannot be deleted now.</summary>
public sealed record RunDeletionDto(Guid RunId, string? Blocked, List<CitationDto> Citations, int Checkpoints, int Artifacts, long MetricPoints, long Bytes);

/// <summary>What deleting a sweep (and all its runs) would do; Blocked says why it cannot be deleted now.</summary>
public sealed record SweepDeletionDto(Guid SweepId, string? Blocked, List<CitationDto> Citations, int Runs, int Checkpoints, int Artifacts,
    long MetricPoints, long Bytes);

public sealed record SweepRunDto(Guid Id, string Status, double? FinalScore, JsonElement Point, string? Name)
{
    public string Label() => Name ?? ShortIds.Of(Id);
}

public sealed record SweepSettingDto(JsonElement Point, int Runs, int Finished, double? MeanFinalScore, double? MinFinalScore, double? MaxFinalScore);

public sealed record SweepValueDto(JsonElement Value, int Finished, double? MeanFinalScore, double? MinFinalScore, double? MaxFinalScore);

public sealed record SweepRobustnessDto(string Rule, int Settings, int WithinTenPercent, double? Share, string? Note);

public sealed record SweepDto(
    Guid Id, string Name, string Method, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt, JsonElement Definition,
    Dictionary<string, int> Counts, List<SweepRunDto> Runs, List<SweepSettingDto> Settings, SweepSettingDto? Best,
    Dictionary<string, List<SweepValueDto>> ByParameter, List<SweepRobustnessDto> Robustness, DateTimeOffset? ArchivedAt = null)
{
    public bool IsActive => Counts.GetValueOrDefault("queued") + Counts.GetValueOrDefault("running") > 0;
}

/// <summary>GET /api/runs/{id}/rerun-comparison: outcome pending | identical | differs.</summary>
public sealed record RerunComparisonDto(
    Guid RunId, Guid OriginalId, string Outcome, long ComparedPoints,
    string? FirstDifferenceMetric, long? FirstDifferenceStep, double? OriginalValue, double? RerunValue,
    bool? SameMachineKind, bool? SameConfiguration, bool? SameCode);

public sealed record MetricPointDto(long Step, double Value, DateTimeOffset WallTime);
public sealed record MetricSeriesDto(string Name, int TotalPoints, List<MetricPointDto> Points);
public sealed record RunMetricsDto(Guid RunId, List<MetricSeriesDto> Series);

/// <summary>Step: null for a checkpoint no run here wrote (an upload, the released Disco103). Shared: every team's, read-only.</summary>
public sealed record CheckpointDto(Guid Id, string Kind, string Name, Guid? RunId, long? Step, long SizeBytes,
    string Sha256, DateTimeOffset CreatedAt, bool Shared, List<string>? MetaTrainedOn = null, double? ValidationReturn = null, bool Selected = false,
    DateTimeOffset? ArchivedAt = null);

public sealed record SeedScoreDto(long Seed, Guid RunId, double FinalScore, double? Normalised, double? TrainLevels = null, double? TestLevels = null);
public sealed record NormalisationDto(double? Random, double? Reference, string Method, string? Unavailable, List<Guid> ReferenceRunIds);
public sealed record LeaderboardEntryDto(string Env, string Rule, long Steps, List<SeedScoreDto> Seeds,
    double MeanScore, double? MeanNormalised, NormalisationDto Normalisation,
    double? MeanTrainLevels = null, double? MeanTestLevels = null, double? GeneralisationGap = null);
public sealed record LeaderboardAggregateDto(string Rule, long Steps, double? Iqm, double? CiLow, double? CiHigh,
    int Environments, int Scores, List<Guid> RunIds, string? Note);
public sealed record LeaderboardDto(string Suite, string DisplayName, List<LeaderboardAggregateDto> Aggregates,
    List<LeaderboardEntryDto> Entries, int BootstrapResamples, int BootstrapSeed, string ScoreBasis = "", int LeftOut = 0);

/// <summary>Body of POST /api/runs.</summary>
public sealed class SubmitRunBody
{
    public string? Kind { get; set; }
    public string? Env { get; set; }
    public string? Rule { get; set; }
    public long? Steps { get; set; }
    public long? Seed { get; set; }
    public string? Queue { get; set; }
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    public List<string>? Tags { get; set; }
    public Guid? MetaNetworkCheckpointId { get; set; }
    /// <summary>Meta-train: the environments (one run over all of them); init random | disco103 (or MetaNetworkCheckpointId).</summary>
    public List<string>? Envs { get; set; }
    public string? Init { get; set; }
    /// <summary>Evaluate: the agent checkpoint, episodes, greedy.</summary>
    public Guid? AgentCheckpointId { get; set; }
    public int? Episodes { get; set; }
    public bool? Greedy { get; set; }
    public string? Levels { get; set; }
}

/// <summary>Body of POST /api/sweeps: the base run, grid or random, the swept parameters (values or distributions), the seeds.</summary>
public sealed class SubmitSweepBody
{
    public string? Name { get; set; }
    public SubmitRunBody? Base { get; set; }
    public string? Method { get; set; }
    public Dictionary<string, JsonElement>? Parameters { get; set; }
    public int? Count { get; set; }
    public List<long>? Seeds { get; set; }
}

public sealed record SweepCreatedDto(Guid Id, List<Guid> RunIds);

/// <summary>Body of POST /api/checkpoints/{id}/evaluate and its answer.</summary>
public sealed record EvaluateOnSuiteBody(string Suite, long Steps, List<long> Seeds, string Queue);
public sealed record SuiteEvaluationDto(Guid CheckpointId, string Suite, List<Guid> RunIds, List<RunDto> Runs);

public sealed record MetaTrainingDto(string Kind, List<string> Suites, List<string> Environments, string Description);
public sealed record GeneralisationCellDto(string Suite, long Steps, double? Iqm, double? CiLow, double? CiHigh, int Environments, int Scores,
    List<Guid> RunIds, bool? InDistribution, string? Note);
public sealed record GeneralisationRowDto(string Rule, string Label, Guid? CheckpointId, MetaTrainingDto MetaTrainedOn, List<GeneralisationCellDto> Cells);
public sealed record GeneralisationSuiteDto(string Suite, string DisplayName);
public sealed record GeneralisationDto(List<GeneralisationSuiteDto> Suites, List<GeneralisationRowDto> Rows);

// Live messages from /hubs/progress.
public sealed record LivePoint(string Name, long Step, double Value, DateTimeOffset WallTime);
public sealed record MetricsMessage(Guid RunId, List<LivePoint> Points);
public sealed record ProgressMessage(Guid RunId, long Step, long TotalSteps);

// Transfer pipelines (/api/pipelines, issue #18): the API's PipelineContracts.

/// <summary>Body of POST /api/pipelines: a meta-train submission and where its selected rule is evaluated.</summary>
public sealed class SubmitPipelineBody
{
    public string? Name { get; set; }
    /// <summary>A POST /api/runs body of kind meta-train; its hyperparameters must set validate-every ≥ 1.</summary>
    public SubmitRunBody? MetaTrain { get; set; }
    public PipelineEvaluationBody? Evaluation { get; set; }
}

/// <summary>A suite or the environments, the steps and seeds of every evaluation run, the baselines (empty: none), their train options.</summary>
public sealed class PipelineEvaluationBody
{
    public string? Suite { get; set; }
    public List<string>? Envs { get; set; }
    public long? Steps { get; set; }
    public List<long>? Seeds { get; set; }
    public List<string>? Baselines { get; set; }
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    public string? Queue { get; set; }
}

public sealed record PipelineCreatedDto(Guid Id, Guid MetaTrainRunId, List<Guid> RunIds);

/// <summary>Stage: meta-training | evaluating | finished | failed | cancelled.</summary>
public sealed record PipelineListItemDto(Guid Id, string Name, string Stage, DateTimeOffset CreatedAt, int Runs, Dictionary<string, int> Counts);

public sealed record PipelineSelectedRuleDto(Guid CheckpointId, string Rule, long MetaStep, double? ValidationReturn);

public sealed record PipelineEnvironmentDto(string Env, bool InDistribution, string Score, double? Random, double? Reference,
    string Normalisation, string? Unavailable);

public sealed record PipelineCellDto(string Env, int Runs, int Finished, List<double> Scores, double? Mean, double? MeanNormalised);

/// <summary>Role: selected-rule | baseline. Iqm and its 95 % CI over the normalised scores of <see cref="IqmEnvironments"/> environments.</summary>
public sealed record PipelineRuleDto(string Label, string? Rule, string Role, int Runs, int Finished, List<PipelineCellDto> Cells,
    double? Iqm, double? IqmLow, double? IqmHigh, int IqmEnvironments, int IqmScores, string? IqmNote);

/// <summary>Role: meta-train | selected-rule | baseline.</summary>
public sealed record PipelineRunDto(Guid Id, string Role, string Kind, string Env, string Rule, long Seed, string Status,
    long CurrentStep, long TotalSteps, double? Score, string? Error, string? Name)
{
    public string Label() => Name ?? ShortIds.Of(Id);
    /// <summary>The current step as pages show it: never past the total (<see cref="CurveMath.ShownStep"/>).</summary>
    public long ShownStep => CurveMath.ShownStep(CurrentStep, TotalSteps);
}

public sealed record PipelineDto(
    Guid Id, string Name, string Stage, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? CancelRequestedAt, JsonElement Definition,
    PipelineRunDto MetaTrainRun, PipelineSelectedRuleDto? SelectedRule, List<PipelineEnvironmentDto> Environments,
    List<PipelineRuleDto> Rules, List<PipelineRunDto> Runs, Dictionary<string, int> Counts)
{
    /// <summary>Still moving: its runs change and the stage advances (the page keeps reading it, and it can be cancelled).</summary>
    public bool IsActive => Stage is "meta-training" or "evaluating";

    /// <summary>The tag every run of the pipeline carries (the API's PipelineService.Tag): how the status feed's runs are told apart.</summary>
    public string Tag => "pipeline:" + Id;
}

/// <summary>GET /api/team/storage: the team's runs, metric points and recorded files.</summary>
public sealed record TeamStorageDto(int Runs, long MetricPoints, int Checkpoints, long CheckpointBytes, int Artifacts, long ArtifactBytes, long TotalBytes);
