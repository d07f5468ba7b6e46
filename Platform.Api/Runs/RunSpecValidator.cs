using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Runs;

/// <summary>Checks a submission field by field; every problem is reported against the field's JSON name.</summary>
public static partial class RunSpecValidator
{
    public const long MaxSteps = 10_000_000_000;
    public const int MaxTags = 20;
    public const int MaxHyperparameters = 100;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex HyperparameterName();

    public static async Task<(RunSpec? Spec, Dictionary<string, string[]> Errors)> ValidateAsync(
        SubmitRunRequest request, Guid teamId, PlatformDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        var kind = RunKind.Train;
        if (request.Kind is not null && !WireNames.TryParse(request.Kind, out kind))
            Error("kind", $"Unknown kind '{request.Kind}'; expected one of {string.Join(", ", WireNames.All<RunKind>())}.");

        var queue = RunQueue.Cpu;
        if (request.Queue is not null && !WireNames.TryParse(request.Queue, out queue))
            Error("queue", $"Unknown queue '{request.Queue}'; expected one of {string.Join(", ", WireNames.All<RunQueue>())}.");

        if (string.IsNullOrWhiteSpace(request.Env))
            Error("env", "Required.");
        else if (!await db.Environments.AnyAsync(e => e.Id == request.Env, ct))
            Error("env", $"Unknown environment '{request.Env}'; see GET /api/environments.");

        if (string.IsNullOrWhiteSpace(request.Rule))
            Error("rule", "Required.");
        else if (RuleCatalog.Validate(request.Rule) is { } ruleError)
            Error("rule", ruleError);

        if (request.Steps is null) Error("steps", "Required.");
        else if (request.Steps <= 0) Error("steps", "Must be positive.");
        else if (request.Steps > MaxSteps) Error("steps", $"At most {MaxSteps}.");

        if (request.Seed is < 0 or > int.MaxValue) Error("seed", $"Must be between 0 and {int.MaxValue}.");

        var hyperparameters = request.Hyperparameters ?? [];
        if (hyperparameters.Count > MaxHyperparameters) Error("hyperparameters", $"At most {MaxHyperparameters} entries.");
        foreach (var (name, value) in hyperparameters)
        {
            if (!HyperparameterName().IsMatch(name))
                Error($"hyperparameters.{name}", "Names are letters, digits, '_', '.', '-' (at most 64), starting with a letter or '_'.");
            else if (value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False))
                Error($"hyperparameters.{name}", "Must be a number, string or boolean.");
        }

        var tags = (request.Tags ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (tags.Count > MaxTags) Error("tags", $"At most {MaxTags} tags.");
        for (var i = 0; i < tags.Count; i++)
            if (!TagPattern().IsMatch(tags[i] ?? ""))
                Error($"tags[{i}]", "Tags are 1-64 of letters, digits, '_', '.', ':', '/', '-'.");

        if (request.MetaNetworkCheckpointId is { } checkpointId &&
            !await db.Checkpoints.AnyAsync(c => c.Id == checkpointId && c.Kind == CheckpointKind.MetaNetwork
                                                && (c.TeamId == null || c.TeamId == teamId), ct))
            Error("metaNetworkCheckpointId", "No such meta-network checkpoint.");

        if (errors.Count > 0) return (null, errors);

        var seed = request.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        return (new RunSpec(kind, request.Env!, request.Rule!, request.Steps!.Value, seed, queue, hyperparameters, tags,
            request.MetaNetworkCheckpointId), errors);
    }
}
