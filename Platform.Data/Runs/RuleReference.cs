using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Data.Runs;

/// <summary>What a rule reference points at.</summary>
public enum RuleKind
{
    /// <summary>A rule the platform ships: disco103 or a hand-designed baseline (<see cref="RuleCatalog"/>).</summary>
    Named,
    /// <summary>A registered meta-network checkpoint (uploaded or meta-trained), <c>meta-network:ID</c>; team-scoped.</summary>
    MetaNetwork,
    /// <summary>A .npz file on the worker's disk, <c>npz:PATH</c>: a command-line convenience, never accepted by the API.</summary>
    NpzFile,
}

/// <summary>
/// The update rule a run trains with, as one type: <c>disco103</c> | <c>actor-critic</c> | <c>ppo</c> |
/// <c>meta-network:ID</c> | (CLI only) <c>npz:PATH</c>. Its text is what runs are listed and leaderboarded under, so a run
/// trained with a meta-network shows that meta-network, never the rule it was derived from.
/// </summary>
[JsonConverter(typeof(RuleReferenceJsonConverter))]
public sealed record RuleReference
{
    public const string MetaNetworkPrefix = "meta-network:", NpzPrefix = "npz:";

    public RuleKind Kind { get; }
    /// <summary>The named rule's id (Named only).</summary>
    public string? Name { get; }
    /// <summary>The meta-network checkpoint (MetaNetwork only).</summary>
    public Guid? MetaNetworkId { get; }
    /// <summary>The file (NpzFile only).</summary>
    public string? Path { get; }

    private RuleReference(RuleKind kind, string? name, Guid? id, string? path) => (Kind, Name, MetaNetworkId, Path) = (kind, name, id, path);

    public static RuleReference Named(string name) =>
        RuleCatalog.IsNamed(name) ? new(RuleKind.Named, name, null, null) : throw new ArgumentException($"unknown rule '{name}'");
    public static RuleReference MetaNetwork(Guid checkpointId) => new(RuleKind.MetaNetwork, null, checkpointId, null);
    public static RuleReference NpzFile(string path) => new(RuleKind.NpzFile, null, null, path);

    public static RuleReference Disco103 { get; } = Named(RuleCatalog.Disco103);

    /// <summary>
    /// The rule a meta-network checkpoint is: the released Disco103's built-in checkpoint
    /// (<see cref="MetaNetworks.ReleasedMetaNetworks.Disco103Id"/>) is the named rule <c>disco103</c> — the same file — so
    /// its runs are listed and leaderboarded with every other Disco103 run, not beside them; any other is meta-network:ID.
    /// </summary>
    public static RuleReference OfMetaNetwork(Guid checkpointId) =>
        checkpointId == MetaNetworks.ReleasedMetaNetworks.Disco103Id ? Disco103 : MetaNetwork(checkpointId);

    public override string ToString() => Kind switch
    {
        RuleKind.Named => Name!,
        RuleKind.MetaNetwork => MetaNetworkPrefix + MetaNetworkId,
        _ => NpzPrefix + Path,
    };

    /// <summary>
    /// Parses a rule as written. <paramref name="allowNpz"/>: the CLI accepts <c>npz:PATH</c>; the API does not (a path on
    /// the worker's disk would bypass team scoping).
    /// </summary>
    public static bool TryParse(string? text, bool allowNpz, [NotNullWhen(true)] out RuleReference? rule, [NotNullWhen(false)] out string? error)
    {
        rule = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) error = "Required.";
        else if (text.StartsWith(MetaNetworkPrefix, StringComparison.Ordinal))
        {
            if (Guid.TryParse(text.AsSpan(MetaNetworkPrefix.Length), out var id)) rule = OfMetaNetwork(id);
            else error = "meta-network:ID needs a checkpoint id (GET /api/checkpoints?kind=meta-network).";
        }
        else if (text.StartsWith(NpzPrefix, StringComparison.Ordinal))
        {
            var path = text[NpzPrefix.Length..];
            if (!allowNpz) error = "npz:PATH names a file on a worker and is only for the command line; upload the meta-network and use meta-network:ID.";
            else if (path.Length == 0 || path.Any(char.IsControl)) error = "npz: needs a path, e.g. npz:/models/rule.npz.";
            else rule = NpzFile(path);
        }
        else if (RuleCatalog.IsNamed(text)) rule = Named(text);
        else error = $"Unknown rule '{text}'; expected one of {string.Join(", ", RuleCatalog.Syntax(allowNpz))}.";
        return rule is not null;
    }
}

/// <summary>Rule references travel as their text ("disco103", "meta-network:…").</summary>
public sealed class RuleReferenceJsonConverter : JsonConverter<RuleReference>
{
    public override RuleReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && RuleReference.TryParse(reader.GetString(), allowNpz: true, out var rule, out _)
            ? rule : throw new JsonException("Expected a rule: disco103, actor-critic, ppo or meta-network:ID.");

    public override void Write(Utf8JsonWriter writer, RuleReference value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>MetaTrainedOn: for a published meta-learned rule, the suites it was meta-trained on (the paper's names).</summary>
public sealed record RuleInfo(string Id, string Description, bool MetaLearned, IReadOnlyList<string>? MetaTrainedOn = null);

/// <summary>The rules the platform ships (served as <c>GET /api/rules</c>) and the syntax of the others.</summary>
public static class RuleCatalog
{
    public const string Disco103 = "disco103", ActorCritic = "actor-critic", Ppo = "ppo";

    public static readonly IReadOnlyList<RuleInfo> Named =
    [
        // Nature 2025: Disco103 was meta-trained on Atari, ProcGen and DMLab (103 environments).
        new(Disco103, "DiscoRL's published meta-learned update rule (Disco103).", true, ["atari", "procgen", "dmlab"]),
        new(ActorCritic, "Advantage actor-critic baseline (V-trace).", false),
        new(Ppo, "Proximal policy optimisation baseline (GAE).", false),
    ];

    /// <summary>What <c>GET /api/rules</c> lists: the named rules and the form of a team's meta-networks.</summary>
    public static readonly IReadOnlyList<RuleInfo> Listed =
        [.. Named, new(RuleReference.MetaNetworkPrefix + "ID", "A meta-network checkpoint of your team (uploaded or meta-trained), frozen.", true)];

    public static bool IsNamed(string name) => Named.Any(r => r.Id == name);

    /// <summary>
    /// Whose defaults a rule takes (learning rate, batch…): a baseline its own; disco103, a team's meta-network and an npz
    /// file those of disco103, since every meta-network has the Disco103 architecture and reads the same agent outputs.
    /// </summary>
    public static string DefaultsFamily(string rule) => rule is ActorCritic or Ppo ? rule : Disco103;
    public static RuleInfo? Find(string name) => Named.FirstOrDefault(r => r.Id == name);

    /// <summary>The accepted spellings, for messages and help.</summary>
    public static IEnumerable<string> Syntax(bool withNpz) =>
        [.. Named.Select(r => r.Id), RuleReference.MetaNetworkPrefix + "ID", .. withNpz ? new[] { RuleReference.NpzPrefix + "PATH" } : []];
}
