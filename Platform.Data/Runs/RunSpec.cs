using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Data.Entities;

namespace Platform.Data.Runs;

/// <summary>
/// A run's validated specification: written by the API (stored as the run's <c>spec</c>, jsonb) and read by the worker,
/// both through <see cref="RunSpecJson"/>; one record per run kind, told apart by <c>"kind"</c>. The worker turns it into
/// the child process's options with the kind's option table, so only typed, validated values reach a command line.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(TrainRunSpec), RunOptionTables.Train)]
[JsonDerivedType(typeof(MetaTrainRunSpec), RunOptionTables.MetaTrain)]
[JsonDerivedType(typeof(EvaluateRunSpec), RunOptionTables.Evaluate)]
[JsonDerivedType(typeof(InspectRunSpec), RunOptionTables.Inspect)]
public abstract record RunSpec
{
    /// <summary>The run's environment (meta-train: the first of its environments).</summary>
    public required string Env { get; init; }
    /// <summary>The progress budget: environment steps (train), meta-steps (meta-train), episodes (evaluate).</summary>
    public required long Steps { get; init; }
    public long Seed { get; init; }
    public RunQueue Queue { get; init; }
    public List<string> Tags { get; init; } = [];
    /// <summary>Lineage: the meta-network checkpoint the run trains with, starts from, or whose agent it evaluates.</summary>
    public Guid? MetaNetworkCheckpointId { get; init; }
    /// <summary>Options of the kind's table (<see cref="RunOptionTables"/>) by name, validated.</summary>
    public Dictionary<string, JsonElement> Hyperparameters { get; init; } = [];

    [JsonIgnore] public RunKind Kind => this switch
    {
        MetaTrainRunSpec => RunKind.MetaTrain,
        EvaluateRunSpec => RunKind.Evaluate,
        InspectRunSpec => RunKind.Inspect,
        _ => RunKind.Train,
    };
    /// <summary>What the run is listed and leaderboarded under.</summary>
    [JsonIgnore] public abstract string ListedRule { get; }
}

/// <summary><c>train</c>: an agent trained with <see cref="Rule"/> on <see cref="RunSpec.Env"/> for Steps environment steps.</summary>
public sealed record TrainRunSpec : RunSpec
{
    public required RuleReference Rule { get; init; }
    [JsonIgnore] public override string ListedRule => Rule.ToString();

    /// <summary>The meta-network checkpoint the rule names, also for specs stored before rules named it themselves.</summary>
    [JsonIgnore] public Guid? RuleMetaNetwork => Rule.MetaNetworkId ?? MetaNetworkCheckpointId;
}

/// <summary><c>meta-train</c>: the Disco rule meta-trained from <see cref="Init"/> on <see cref="Envs"/> for Steps meta-steps.</summary>
public sealed record MetaTrainRunSpec : RunSpec
{
    public const string RandomInit = "random";

    public required List<string> Envs { get; init; }
    /// <summary>random | disco103 | meta-network:ID.</summary>
    public required string Init { get; init; }
    [JsonIgnore] public override string ListedRule => Init;

    /// <summary>The meta-network checkpoint the rule starts from, if any (specs stored before init named it say "meta-network").</summary>
    [JsonIgnore]
    public Guid? InitMetaNetwork => Init.StartsWith(RuleReference.MetaNetworkPrefix, StringComparison.Ordinal)
        && Guid.TryParse(Init.AsSpan(RuleReference.MetaNetworkPrefix.Length), out var id) ? id
        : Init == "meta-network" ? MetaNetworkCheckpointId : null;
}

/// <summary><c>evaluate</c>: an agent checkpoint's policy run for Steps = <see cref="Episodes"/> episodes on Env.</summary>
public sealed record EvaluateRunSpec : RunSpec
{
    public required Guid AgentCheckpointId { get; init; }
    public required int Episodes { get; init; }
    public bool Greedy { get; init; }
    /// <summary>ProcGen: "train" (the agent's training levels) or "test" (only others); <see cref="EvaluateOptions.Levels"/>.</summary>
    public string Levels { get; init; } = EvaluateOptions.TrainLevelSet;
    /// <summary>The rule that trained the agent (what the evaluation is listed under).</summary>
    public required RuleReference Rule { get; init; }
    [JsonIgnore] public override string ListedRule => Rule.ToString();
}

/// <summary>
/// <c>inspect</c>: an agent checkpoint rolled out for Steps = <see cref="Episodes"/> episodes on Env, with <see cref="Rule"/>
/// applied to the rollout as the learner would (<c>inspect-rule</c>); its report is the run's inspection.json.
/// </summary>
public sealed record InspectRunSpec : RunSpec
{
    public required Guid AgentCheckpointId { get; init; }
    public required int Episodes { get; init; }
    /// <summary>The rule applied: the agent's own unless another meta-learned rule was asked for.</summary>
    public required RuleReference Rule { get; init; }
    /// <summary>The rule that trained the agent.</summary>
    public required RuleReference AgentRule { get; init; }
    [JsonIgnore] public override string ListedRule => Rule.ToString();
}

/// <summary>The one JSON form of run specs: camelCase, kebab-case enums, the kind wherever jsonb put it.</summary>
public static class RunSpecJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // jsonb stores keys in its own order, so "kind" is not necessarily first.
            AllowOutOfOrderMetadataProperties = true,
        };
        PlatformJson.Configure(options);
        return options;
    }

    public static string Serialize(RunSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>The stored spec; a malformed one is a <see cref="JsonException"/> (the worker fails the run with it).</summary>
    public static RunSpec Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<RunSpec>(json, Options) ?? throw new JsonException("The run's spec is null.");
        }
        catch (NotSupportedException ex)
        {
            // No "kind": System.Text.Json cannot pick the record (it would have to create the abstract base).
            throw new JsonException("The run's spec has no known \"kind\" (train, meta-train or evaluate).", ex);
        }
    }
}
