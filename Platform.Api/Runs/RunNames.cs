using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Api.Runs;

/// <summary>
/// Run names: what people call a run in tables, titles, legends and downloads, in place of an id. A name is readable,
/// unique within the team and editable (PATCH /api/runs/{id}). A run submitted without one is named after what it is —
/// "catch/5x5 disco103 s1", then "catch/5x5 disco103 s1 #2" for the next such run — so runs submitted together are told
/// apart at a glance (their UUIDv7 ids share their leading digits).
/// </summary>
public static class RunNames
{
    public const int MaxLength = Run.NameMaxLength;
    /// <summary>Room left after a generated stem for " #" and a number.</summary>
    private const int StemLength = MaxLength - 10;
    public static readonly string Rule = $"1 to {MaxLength} characters: letters, digits, spaces and {string.Join(' ', Punctuation.Trim().ToCharArray())}, starting with a letter or digit";

    /// <summary>What a name may hold besides ASCII letters and digits.</summary>
    private const string Punctuation = " _.:/#+()-";
    private static bool Allowed(char c) => char.IsAsciiLetterOrDigit(c) || Punctuation.Contains(c);

    /// <summary>Why <paramref name="name"/> cannot name a run, or null (no name at all is fine: one is generated).</summary>
    public static string? Problem(string? name) =>
        name is null ? null
        : name.Length is 0 or > MaxLength || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(Allowed) || name.EndsWith(' ') || name.Contains("  ")
            ? $"A run name is {Rule}, without trailing or double spaces."
        : null;

    /// <summary>What a run is, as the start of its generated name: kind (other than train), environment(s), rule, seed.</summary>
    public static string Stem(RunSpec spec)
    {
        var kind = spec.Kind switch { RunKind.Evaluate => "eval ", RunKind.MetaTrain => "meta-train ", RunKind.Inspect => "inspect ", _ => "" };
        var env = spec is MetaTrainRunSpec { Envs.Count: > 1 } m ? $"{m.Envs[0]}+{m.Envs.Count - 1}" : spec.Env;
        var stem = $"{kind}{env} {ShortRule(spec.ListedRule)} s{spec.Seed}";
        stem = new string(stem.Select(c => Allowed(c) ? c : '_').ToArray());
        return stem.Length <= StemLength ? stem : stem[..StemLength].TrimEnd();
    }

    /// <summary>"meta-network:0194…c3d2" → "meta-network-" and the id's short form (<see cref="ShortIds"/>); names pass as they are.</summary>
    private static string ShortRule(string rule)
    {
        var colon = rule.IndexOf(':');
        if (colon < 0) return rule;
        return Guid.TryParse(rule.AsSpan(colon + 1), out var id) ? $"{rule[..colon]}-{ShortIds.Of(id)}" : rule.Replace(':', '-');
    }

    /// <summary>The stem if the team has no run by that name, else the stem with the next free number.</summary>
    public static async Task<string> NextAsync(PlatformDbContext db, Guid teamId, string stem, CancellationToken ct)
    {
        var numbered = stem + " #";
        var taken = await db.Runs.AsNoTracking()
            .Where(r => r.TeamId == teamId && r.Name != null && (r.Name == stem || r.Name.StartsWith(numbered)))
            .Select(r => r.Name!).ToListAsync(ct);
        if (!taken.Contains(stem)) return stem;
        var last = taken.Select(t => t.Length > numbered.Length && int.TryParse(t.AsSpan(numbered.Length), out var n) ? n : 1).Max();
        return $"{numbered}{last + 1}";
    }

    /// <summary>The team's run that already has <paramref name="name"/>, other than <paramref name="except"/>.</summary>
    public static Task<Guid?> HolderAsync(PlatformDbContext db, Guid teamId, string name, Guid? except, CancellationToken ct) =>
        db.Runs.AsNoTracking().Where(r => r.TeamId == teamId && r.Name == name && r.Id != except).Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct);
}
