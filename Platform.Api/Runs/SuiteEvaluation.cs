using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Runs;

/// <summary>Body of POST /api/checkpoints/{id}/evaluate.</summary>
public sealed class EvaluateOnSuiteRequest
{
    /// <summary>catch | minatar (alias atari) | procgen: one train run per environment of the suite and seed.</summary>
    public string? Suite { get; set; }
    /// <summary>Environment steps per run (positive).</summary>
    public long? Steps { get; set; }
    /// <summary>The seeds (1 to 20 distinct, 0..2147483647); each environment gets one run per seed.</summary>
    public List<long>? Seeds { get; set; }
    /// <summary>cpu | gpu (default cpu).</summary>
    public string? Queue { get; set; }
    /// <summary>Trainer options, as for a train run (e.g. net, rollout).</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; set; }
    /// <summary>Extra tags; every run is also tagged meta-network:ID and suite-eval:SUITE.</summary>
    public List<string>? Tags { get; set; }
}

public sealed record SuiteEvaluationDto(Guid CheckpointId, string Suite, IReadOnlyList<Guid> RunIds, IReadOnlyList<RunDto> Runs);

/// <summary>
/// Evaluating a frozen meta-network on a suite: one train run per (environment of the suite, seed) with the meta-network as
/// the rule (rule meta-network:ID, metaNetworkCheckpointId ID), tagged meta-network:ID and suite-eval:SUITE. Every run is
/// validated exactly as a train submission first, so bad input stores nothing.
/// </summary>
public sealed class SuiteEvaluation(PlatformDbContext db, RunService runs, RunQuotas quotas)
{
    public const int MaxSeeds = 20;

    public sealed record Outcome(SuiteEvaluationDto? Result, Dictionary<string, string[]>? Errors, bool CheckpointNotFound = false,
        QuotaRefusal? Refusal = null);

    /// <summary>The train validator's field names as the caller wrote them: its tags[i] are the caller's tags[i - fixedTags].</summary>
    internal static Dictionary<string, string[]> UserFields(Dictionary<string, string[]> problems, int fixedTags) =>
        problems.ToDictionary(p => p.Key.StartsWith("tags[", StringComparison.Ordinal) && int.TryParse(p.Key[5..^1], out var i)
            ? $"tags[{i - fixedTags}]" : p.Key, p => p.Value);

    public async Task<Outcome> SubmitAsync(Guid checkpointId, EvaluateOnSuiteRequest request, Guid teamId, Guid userId, string? idempotencyKey,
        CancellationToken ct)
    {
        var checkpoint = await db.Checkpoints.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == checkpointId && (c.TeamId == null || c.TeamId == teamId), ct);
        if (checkpoint is null) return new Outcome(null, null, CheckpointNotFound: true);

        var errors = new Dictionary<string, string[]>();
        if (checkpoint.Kind != CheckpointKind.MetaNetwork)
            errors["id"] = ["Only meta-network checkpoints are rules that can be evaluated on a suite."];

        List<string> environments = [];
        string? suite = null;
        if (string.IsNullOrWhiteSpace(request.Suite)) errors["suite"] = ["Required."];
        else if (!EnvironmentCatalog.SuiteNames.TryGetValue(request.Suite, out suite))
            errors["suite"] = [$"Unknown suite '{request.Suite}'; expected one of {string.Join(", ", EnvironmentCatalog.SuiteNames.Keys)}."];
        else
        {
            environments = await db.Environments.AsNoTracking().Where(e => e.SuiteId == suite).OrderBy(e => e.Id).Select(e => e.Id).ToListAsync(ct);
            if (environments.Count == 0) errors["suite"] = [$"The suite '{suite}' has no environments."];
        }

        var seeds = request.Seeds ?? [];
        if (seeds.Count == 0) errors["seeds"] = ["Required: one or more seeds."];
        else if (seeds.Count > MaxSeeds) errors["seeds"] = [$"At most {MaxSeeds} seeds."];
        else if (seeds.Distinct().Count() != seeds.Count) errors["seeds"] = ["A seed is listed twice."];
        else if (seeds.Any(s => s is < 0 or > int.MaxValue)) errors["seeds"] = [$"Seeds are between 0 and {int.MaxValue}."];

        var tags = new List<string> { RuleReference.MetaNetwork(checkpointId).ToString(), "suite-eval:" + (suite ?? "") };
        tags.AddRange(request.Tags ?? []);
        if (errors.Count > 0) return new Outcome(null, errors);

        // Each run goes through the train validator: steps, queue, hyperparameters and tags are checked as for any submission.
        var specs = new List<RunSpec>();
        foreach (var env in environments)
        foreach (var seed in seeds)
        {
            var (spec, problems) = await RunSpecValidator.ValidateAsync(new SubmitRunRequest
            {
                Kind = "train", Env = env, Rule = RuleReference.MetaNetwork(checkpointId).ToString(), Steps = request.Steps, Seed = seed,
                Queue = request.Queue, Hyperparameters = request.Hyperparameters, Tags = tags,
            }, teamId, db, ct);
            if (spec is null) return new Outcome(null, UserFields(problems, fixedTags: 2));
            specs.Add(spec);
        }

        // Quota-checked as one request: all its runs or none (a repeat with the same key adds nothing and is not counted).
        string? Key(RunSpec spec) => idempotencyKey is null ? null : $"{idempotencyKey}/{spec.Env}/{spec.Seed}";
        var keys = specs.Select(Key).OfType<string>().ToList();
        var repeated = keys.Count == 0 ? 0 : await db.Runs.CountAsync(r => r.TeamId == teamId && keys.Contains(r.IdempotencyKey!), ct);
        if (await quotas.CheckAsync(teamId, specs.Skip(repeated).ToList(), ct) is { } refusal) return new Outcome(null, null, Refusal: refusal);
        var created = new List<Run>();
        foreach (var spec in specs)
            created.Add((await runs.SubmitAsync(spec, teamId, userId, Key(spec), ct, quotaChecked: true)).Run!);
        return new Outcome(new SuiteEvaluationDto(checkpointId, suite!, created.Select(r => r.Id).ToList(), created.Select(r => RunDto.From(r)).ToList()), null);
    }
}
