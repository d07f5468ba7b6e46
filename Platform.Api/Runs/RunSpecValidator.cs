using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Workers.Environments;

namespace Platform.Api.Runs;

/// <summary>Checks a submission field by field; every problem is reported against the field's JSON name.</summary>
public static partial class RunSpecValidator
{
    public const long MaxSteps = 10_000_000_000;
    public const long MaxMetaSteps = 1_000_000;
    public const int MaxMetaTrainEnvs = 16;
    public const int MaxEpisodes = 100_000;
    public const int DefaultEpisodes = 100;
    public const int MaxTags = 20;
    public const int MaxHyperparameters = 100;

    /// <summary>The rule of a run trained with the meta-network checkpoint ID: <c>meta-network:ID</c>.</summary>
    public const string MetaNetworkRulePrefix = "meta-network:";

    public static string MetaNetworkRule(Guid checkpointId) => MetaNetworkRulePrefix + checkpointId;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex HyperparameterName();

    private sealed class Errors : Dictionary<string, string[]>
    {
        public void Add(string field, string message) => this[field] = [.. (TryGetValue(field, out var existing) ? existing : []), message];
    }

    public static async Task<(RunSpec? Spec, Dictionary<string, string[]> Errors)> ValidateAsync(
        SubmitRunRequest request, Guid teamId, PlatformDbContext db, CancellationToken ct)
    {
        var errors = new Errors();

        var kind = RunKind.Train;
        if (request.Kind is not null && !WireNames.TryParse(request.Kind, out kind))
            errors.Add("kind", $"Unknown kind '{request.Kind}'; expected one of {string.Join(", ", WireNames.All<RunKind>())}.");

        var queue = RunQueue.Cpu;
        if (request.Queue is not null && !WireNames.TryParse(request.Queue, out queue))
            errors.Add("queue", $"Unknown queue '{request.Queue}'; expected one of {string.Join(", ", WireNames.All<RunQueue>())}.");

        if (request.Seed is < 0 or > int.MaxValue) errors.Add("seed", $"Must be between 0 and {int.MaxValue}.");
        var tags = ValidateTags(request.Tags, errors);

        var spec = kind switch
        {
            RunKind.MetaTrain => await ValidateMetaTrainAsync(request, teamId, db, errors, ct),
            RunKind.Evaluate => await ValidateEvaluateAsync(request, teamId, db, errors, ct),
            _ => await ValidateTrainAsync(request, teamId, db, errors, ct),
        };
        if (errors.Count > 0 || spec is null) return (null, errors);

        var seed = request.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        return (spec with { Kind = kind, Seed = seed, Queue = queue, Tags = tags }, errors);
    }

    private static async Task<RunSpec?> ValidateTrainAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("train", errors, ("envs", request.Envs is not null), ("init", request.Init is not null),
            ("agentCheckpointId", request.AgentCheckpointId is not null), ("episodes", request.Episodes is not null), ("greedy", request.Greedy is not null));

        await ValidateEnvAsync(request.Env, "env", db, errors, ct);

        if (string.IsNullOrWhiteSpace(request.Rule))
            errors.Add("rule", "Required.");
        else if (request.Rule.StartsWith(MetaNetworkRulePrefix, StringComparison.Ordinal))
        {
            if (request.MetaNetworkCheckpointId is not { } id || request.Rule != MetaNetworkRule(id))
                errors.Add("rule", "meta-network:ID names the meta-network given in metaNetworkCheckpointId.");
        }
        else if (RuleCatalog.Validate(request.Rule) is { } ruleError)
            errors.Add("rule", ruleError);

        if (request.Steps is null) errors.Add("steps", "Required.");
        else if (request.Steps <= 0) errors.Add("steps", "Must be positive.");
        else if (request.Steps > MaxSteps) errors.Add("steps", $"At most {MaxSteps}.");

        var hyperparameters = request.Hyperparameters ?? [];
        if (hyperparameters.Count > MaxHyperparameters) errors.Add("hyperparameters", $"At most {MaxHyperparameters} entries.");
        foreach (var (name, value) in hyperparameters)
        {
            if (!HyperparameterName().IsMatch(name))
                errors.Add($"hyperparameters.{name}", "Names are letters, digits, '_', '.', '-' (at most 64), starting with a letter or '_'.");
            else if (value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False))
                errors.Add($"hyperparameters.{name}", "Must be a number, string or boolean.");
        }

        if (request.MetaNetworkCheckpointId is { } checkpointId && !await MetaNetworkVisibleAsync(db, checkpointId, teamId, ct))
            errors.Add("metaNetworkCheckpointId", "No such meta-network checkpoint.");

        return errors.Count > 0 ? null
            : new RunSpec(RunKind.Train, request.Env!, request.Rule!, request.Steps!.Value, 0, RunQueue.Cpu, hyperparameters, [], request.MetaNetworkCheckpointId);
    }

    private static async Task<RunSpec?> ValidateMetaTrainAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("meta-train", errors, ("agentCheckpointId", request.AgentCheckpointId is not null), ("episodes", request.Episodes is not null),
            ("greedy", request.Greedy is not null));
        if (request.Rule is not null)
            errors.Add("rule", "Not used by meta-train runs: the rule being meta-trained starts from init (or metaNetworkCheckpointId).");

        List<string> envs = [];
        if (request.Envs is not null && request.Env is not null)
            errors.Add("env", "Meta-train runs list their environments in envs.");
        else if (request.Envs is null && request.Env is null)
            errors.Add("envs", "Required: one or more environment ids.");
        else
        {
            envs = request.Envs ?? [request.Env!];
            var field = request.Envs is null ? "env" : "envs";
            if (envs.Count == 0) errors.Add(field, "Required: one or more environment ids.");
            else if (envs.Count > MaxMetaTrainEnvs) errors.Add(field, $"At most {MaxMetaTrainEnvs} environments.");
            else if (envs.Distinct(StringComparer.Ordinal).Count() != envs.Count) errors.Add(field, "An environment is listed twice.");
            else
                for (var i = 0; i < envs.Count; i++)
                    await ValidateEnvAsync(envs[i], request.Envs is null ? "env" : $"envs[{i}]", db, errors, ct);
        }

        if (request.Steps is null) errors.Add("steps", "Required: the number of meta-steps.");
        else if (request.Steps <= 0) errors.Add("steps", "Must be positive.");
        else if (request.Steps > MaxMetaSteps) errors.Add("steps", $"At most {MaxMetaSteps:N0} meta-steps.");

        string init;
        if (request.MetaNetworkCheckpointId is { } checkpointId)
        {
            if (request.Init is not null && request.Init != "meta-network")
                errors.Add("init", "Give either init or metaNetworkCheckpointId, not both.");
            if (!await MetaNetworkVisibleAsync(db, checkpointId, teamId, ct))
                errors.Add("metaNetworkCheckpointId", "No such meta-network checkpoint.");
            init = MetaNetworkRule(checkpointId);
        }
        else
        {
            init = request.Init ?? "random";
            if (init is not ("random" or "disco103"))
                errors.Add("init", $"Unknown init '{init}'; expected random or disco103, or a meta-network in metaNetworkCheckpointId.");
        }

        var hyperparameters = request.Hyperparameters ?? [];
        foreach (var (name, value) in hyperparameters)
            if (MetaTrainOptions.Check(name, value) is { } problem) errors.Add($"hyperparameters.{name}", problem);

        return errors.Count > 0 ? null
            : new RunSpec(RunKind.MetaTrain, envs[0], init, request.Steps!.Value, 0, RunQueue.Cpu, hyperparameters, [],
                request.MetaNetworkCheckpointId, Envs: envs, Init: request.MetaNetworkCheckpointId is null ? init : "meta-network");
    }

    private static async Task<RunSpec?> ValidateEvaluateAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("evaluate", errors, ("envs", request.Envs is not null), ("init", request.Init is not null), ("rule", request.Rule is not null),
            ("steps", request.Steps is not null), ("metaNetworkCheckpointId", request.MetaNetworkCheckpointId is not null),
            ("hyperparameters", request.Hyperparameters is { Count: > 0 }));

        if (request.Episodes is < 1 or > MaxEpisodes) errors.Add("episodes", $"Must be between 1 and {MaxEpisodes}.");

        Checkpoint? agent = null;
        if (request.AgentCheckpointId is not { } agentId) errors.Add("agentCheckpointId", "Required: the agent checkpoint to evaluate.");
        else
        {
            agent = await db.Checkpoints.AsNoTracking().Include(c => c.Run)
                .FirstOrDefaultAsync(c => c.Id == agentId && c.Kind == CheckpointKind.Agent && (c.TeamId == null || c.TeamId == teamId), ct);
            if (agent is null) errors.Add("agentCheckpointId", "No such agent checkpoint.");
            else if (agent.Run is null) errors.Add("agentCheckpointId", "This agent checkpoint has no training run to take its configuration from.");
        }

        var env = request.Env ?? agent?.Run?.EnvironmentId;
        if (request.Env is not null) await ValidateEnvAsync(request.Env, "env", db, errors, ct);
        if (env is not null && agent?.Run is { } source && env != source.EnvironmentId
            && EnvironmentRegistry.Contains(env) && EnvironmentRegistry.Contains(source.EnvironmentId))
        {
            var (to, from) = (EnvironmentRegistry.Get(env), EnvironmentRegistry.Get(source.EnvironmentId));
            if (to.ActionCount != from.ActionCount || !to.ObservationShape.SequenceEqual(from.ObservationShape))
                errors.Add("env", $"The agent was trained on {source.EnvironmentId}, whose observations or actions differ from {env}'s.");
        }

        return errors.Count > 0 ? null
            : new RunSpec(RunKind.Evaluate, env!, agent!.Run!.Rule, request.Episodes ?? DefaultEpisodes, 0, RunQueue.Cpu, [], [],
                agent.Run.MetaNetworkCheckpointId, AgentCheckpointId: agent.Id, Episodes: request.Episodes ?? DefaultEpisodes, Greedy: request.Greedy ?? false);
    }

    private static async Task ValidateEnvAsync(string? env, string field, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(env)) errors.Add(field, "Required.");
        else if (!await db.Environments.AnyAsync(e => e.Id == env, ct))
            errors.Add(field, $"Unknown environment '{env}'; see GET /api/environments.");
    }

    private static Task<bool> MetaNetworkVisibleAsync(PlatformDbContext db, Guid id, Guid teamId, CancellationToken ct) =>
        db.Checkpoints.AnyAsync(c => c.Id == id && c.Kind == CheckpointKind.MetaNetwork && (c.TeamId == null || c.TeamId == teamId), ct);

    /// <summary>Distinct tags, each checked against the tag pattern; problems under tags / tags[i].</summary>
    private static List<string> ValidateTags(List<string>? requested, Errors errors)
    {
        var tags = (requested ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (tags.Count > MaxTags) errors.Add("tags", $"At most {MaxTags} tags.");
        for (var i = 0; i < tags.Count; i++)
            if (!TagPattern().IsMatch(tags[i] ?? ""))
                errors.Add($"tags[{i}]", "Tags are 1-64 of letters, digits, '_', '.', ':', '/', '-'.");
        return tags;
    }

    /// <summary>Checks a tag the way a submission's tags are checked.</summary>
    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    private static void NotFor(string kind, Errors errors, params (string Field, bool Given)[] fields)
    {
        foreach (var (field, given) in fields)
            if (given) errors.Add(field, $"Not used by {kind} runs.");
    }
}

/// <summary>
/// The meta-trainer's options a meta-train run may set in hyperparameters (Platform.Workers <c>meta-train</c>), with
/// their ranges; anything else is refused, so a typo is named rather than passed to the meta-trainer.
/// </summary>
public static class MetaTrainOptions
{
    public sealed record Option(string Name, string Description, bool Integer, double Min, double Max, bool MinExclusive = false, string[]? Choices = null);

    public static readonly Option[] All =
    [
        new("agents", "Agents in the population (default 2).", true, 1, 64),
        new("inner-steps", "Agent updates per meta-step (default 2).", true, 1, 1000),
        new("rollout", "Rollout length (default 16).", true, 1, 1000),
        new("batch", "Environments per agent (default 32).", true, 1, 4096),
        new("inner-lr", "The agents' learning rate (default 5e-4).", false, 0, 1, MinExclusive: true),
        new("meta-lr", "The meta-network's learning rate (default 5e-4).", false, 0, 1, MinExclusive: true),
        new("lifetime", "Inner steps before an agent is replaced by a fresh one (default 0: never).", true, 0, 1e12),
        new("meta-grad-clip", "Clip each agent's meta-gradient to this global norm (default 0: off).", false, 0, 1e6),
        new("entropy-cost", "Meta-loss weight of the agents' policy entropy (default 1e-2).", false, 0, 1e3),
        new("prediction-entropy-cost", "Meta-loss weight of the y and z entropies (default 1e-3).", false, 0, 1e3),
        new("output-mean-cost", "Meta-loss weight of the rule outputs' squared means (default 1e-3).", false, 0, 1e3),
        new("target-kl-cost", "Meta-loss weight of KL(target policy ‖ π̂) (default 1e-2).", false, 0, 1e3),
        new("net", "Agent network (default small).", false, 0, 0, Choices: ["small", "demo", "small-conv"]),
        new("checkpoint-every", "Meta-steps between checkpoints (default 50).", true, 1, RunSpecValidator.MaxMetaSteps),
        new("threads", "CPU threads.", true, 1, 256),
    ];

    /// <returns>Null when the value is acceptable for the named option, else why not.</returns>
    public static string? Check(string name, JsonElement value)
    {
        var option = All.FirstOrDefault(o => o.Name == name);
        if (option is null) return $"Not a meta-train option; expected one of {string.Join(", ", All.Select(o => o.Name))}.";
        if (option.Choices is { } choices)
            return value.ValueKind == JsonValueKind.String && choices.Contains(value.GetString())
                ? null : $"Expected one of {string.Join(", ", choices)}.";
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var x) || !double.IsFinite(x)) return "Must be a number.";
        if (option.Integer && !value.TryGetInt64(out _)) return "Must be a whole number.";
        if (option.MinExclusive ? x <= option.Min : x < option.Min) return option.MinExclusive ? "Must be positive." : $"Must be at least {option.Min:G}.";
        if (x > option.Max) return $"At most {option.Max:G}.";
        return null;
    }
}
