namespace Platform.Api.Runs;

/// <summary>MetaTrainedOn: for a published meta-learned rule, the suites it was meta-trained on (the paper's names).</summary>
public sealed record RuleInfo(string Id, string Description, bool MetaLearned, IReadOnlyList<string>? MetaTrainedOn = null);

/// <summary>The update rules a run may name; mirrors the worker CLI's --rule (disco103|actor-critic|ppo|npz:PATH).</summary>
public static class RuleCatalog
{
    public const string NpzPrefix = "npz:";

    public static readonly RuleInfo[] Rules =
    [
        // Nature 2025: Disco103 was meta-trained on Atari, ProcGen and DMLab (103 environments).
        new("disco103", "DiscoRL's published meta-learned update rule (Disco103).", true, ["atari", "procgen", "dmlab"]),
        new("actor-critic", "Advantage actor-critic baseline.", false),
        new("ppo", "Proximal policy optimisation baseline.", false),
        new("npz:PATH", "A meta-learned rule loaded from a meta-network exported as .npz at PATH on the worker.", true),
    ];

    /// <returns>Null when valid, else why not.</returns>
    public static string? Validate(string rule)
    {
        if (rule.StartsWith(NpzPrefix, StringComparison.Ordinal))
        {
            var path = rule[NpzPrefix.Length..];
            if (path.Length == 0) return "npz: needs a path, e.g. npz:/models/disco103.npz.";
            if (path.Any(char.IsControl)) return "The npz path contains control characters.";
            if (!path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) return "The npz path must end in .npz.";
            return null;
        }
        return Rules.Any(r => !r.Id.StartsWith(NpzPrefix, StringComparison.Ordinal) && r.Id == rule)
            ? null
            : $"Unknown rule '{rule}'; expected one of disco103, actor-critic, ppo, npz:PATH.";
    }
}
