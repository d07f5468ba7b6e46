using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;
using Platform.Data.Environments;

namespace Platform.Api.Runs;

/// <summary>
/// Checks a submission field by field against the run kind's option table (<see cref="RunOptionTables"/>) and turns it
/// into the kind's typed <see cref="RunSpec"/>; every problem is reported against the field's JSON name and nothing
/// is stored unless there is none.
/// </summary>
public static partial class RunSpecValidator
{
    public const int MaxTags = 20;
    public const int MaxHyperparameters = 100;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex HyperparameterName();

    private sealed class Errors : Dictionary<string, string[]>
    {
        public void Add(string field, string message) => this[field] = [.. (TryGetValue(field, out var existing) ? existing : []), message];

        /// <summary>Checks a value of a field of the submission against its option.</summary>
        public void Check(RunOption option, double? value, bool required = false)
        {
            if (value is { } x) { if (option.CheckRange(x) is { } problem) Add(option.FieldPath, problem); }
            else if (required) Add(option.FieldPath, "Required.");
        }
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

        errors.Check(TrainOptions.Seed, request.Seed);
        var tags = ValidateTags(request.Tags, errors);

        var spec = kind switch
        {
            RunKind.MetaTrain => await ValidateMetaTrainAsync(request, teamId, db, errors, ct),
            RunKind.Evaluate => await ValidateEvaluateAsync(request, teamId, db, errors, ct),
            RunKind.Inspect => await ValidateInspectAsync(request, teamId, db, errors, ct),
            _ => await ValidateTrainAsync(request, teamId, db, errors, ct),
        };
        if (errors.Count > 0 || spec is null) return (null, errors);

        var seed = request.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        return (spec with { Seed = seed, Queue = queue, Tags = tags }, errors);
    }

    private static async Task<RunSpec?> ValidateTrainAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("train", errors, ("envs", request.Envs is not null), ("init", request.Init is not null),
            ("agentCheckpointId", request.AgentCheckpointId is not null), ("episodes", request.Episodes is not null), ("greedy", request.Greedy is not null),
            ("levels", request.Levels is not null));

        await ValidateEnvAsync(request.Env, "env", db, errors, ct);

        RuleReference? rule = null;
        if (!RuleReference.TryParse(request.Rule, allowNpz: false, out rule, out var ruleError)) errors.Add("rule", ruleError);
        else if (rule.MetaNetworkId is { } id && !await MetaNetworkVisibleAsync(db, id, teamId, ct))
            errors.Add("rule", "No such meta-network checkpoint.");
        // metaNetworkCheckpointId is the run's lineage, which the rule already says; a different one would list the run wrongly.
        if (request.MetaNetworkCheckpointId is { } lineage && rule is not null && rule != RuleReference.OfMetaNetwork(lineage))
            errors.Add("metaNetworkCheckpointId", $"To train with meta-network {lineage}, give rule \"{RuleReference.MetaNetwork(lineage)}\".");

        errors.Check(TrainOptions.Steps, request.Steps, required: true);
        var hyperparameters = CheckHyperparameters(request.Hyperparameters, TrainOptions.All, "train", errors);
        var suite = request.Env is not null && EnvironmentCatalog.Contains(request.Env) ? EnvironmentCatalog.Get(request.Env).Suite : null;
        var (batch, replayRatio, replayCapacity) = TrainOptions.Replay(suite, rule?.ToString(), hyperparameters);
        if (!errors.ContainsKey("hyperparameters.batch"))
            foreach (var (option, problem) in TrainOptions.CheckTogether(batch, replayRatio, replayCapacity))
                errors.Add(option.FieldPath, problem);

        return errors.Count > 0 ? null : new TrainRunSpec
        {
            Env = request.Env!, Rule = rule!, Steps = request.Steps!.Value, Hyperparameters = hyperparameters,
            MetaNetworkCheckpointId = rule!.MetaNetworkId,
        };
    }

    private static async Task<RunSpec?> ValidateMetaTrainAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("meta-train", errors, ("agentCheckpointId", request.AgentCheckpointId is not null), ("episodes", request.Episodes is not null),
            ("greedy", request.Greedy is not null), ("levels", request.Levels is not null));
        if (request.Rule is not null)
            errors.Add("rule", "Not used by meta-train runs: the rule being meta-trained starts from init.");

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
            else if (envs.Count > MetaTrainOptions.MaxEnvironments) errors.Add(field, $"At most {MetaTrainOptions.MaxEnvironments} environments.");
            else if (envs.Distinct(StringComparer.Ordinal).Count() != envs.Count) errors.Add(field, "An environment is listed twice.");
            else
                for (var i = 0; i < envs.Count; i++)
                    await ValidateEnvAsync(envs[i], request.Envs is null ? "env" : $"envs[{i}]", db, errors, ct);
        }

        errors.Check(MetaTrainOptions.MetaSteps, request.Steps, required: true);

        // init: random | disco103 | meta-network:ID; metaNetworkCheckpointId alone is the same as init meta-network:ID.
        var init = request.Init ?? (request.MetaNetworkCheckpointId is { } given ? RuleReference.MetaNetwork(given).ToString() : MetaTrainRunSpec.RandomInit);
        Guid? initCheckpoint = null;
        if (init is MetaTrainRunSpec.RandomInit or RuleCatalog.Disco103) { }
        // The released Disco103's checkpoint is the rule disco103 (RuleReference.OfMetaNetwork).
        else if (RuleReference.TryParse(init, allowNpz: false, out var initRule, out _) && initRule == RuleReference.Disco103) init = RuleCatalog.Disco103;
        else if (initRule?.MetaNetworkId is { } id)
        {
            initCheckpoint = id;
            if (!await MetaNetworkVisibleAsync(db, id, teamId, ct)) errors.Add("init", "No such meta-network checkpoint.");
        }
        else errors.Add("init", $"Unknown init '{init}'; expected random, disco103 or meta-network:ID.");
        if (request.MetaNetworkCheckpointId is { } lineage && RuleReference.OfMetaNetwork(lineage) is var lineageRule
            && (lineageRule.MetaNetworkId is null ? init != lineageRule.ToString() : lineage != initCheckpoint))
            errors.Add("metaNetworkCheckpointId", $"To start from meta-network {lineage}, give init \"{RuleReference.MetaNetwork(lineage)}\".");

        var hyperparameters = CheckHyperparameters(request.Hyperparameters, MetaTrainOptions.All, "meta-train", errors);
        return errors.Count > 0 ? null : new MetaTrainRunSpec
        {
            Env = envs[0], Envs = envs, Init = init, Steps = request.Steps!.Value, Hyperparameters = hyperparameters,
            MetaNetworkCheckpointId = initCheckpoint,
        };
    }

    private static async Task<RunSpec?> ValidateEvaluateAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("evaluate", errors, ("envs", request.Envs is not null), ("init", request.Init is not null), ("rule", request.Rule is not null),
            ("steps", request.Steps is not null), ("metaNetworkCheckpointId", request.MetaNetworkCheckpointId is not null),
            ("hyperparameters", request.Hyperparameters is { Count: > 0 }));

        errors.Check(EvaluateOptions.Episodes, request.Episodes);
        if (request.Levels is { } levels && EvaluateOptions.Levels.Check(RunOption.Value(levels)) is { } levelsProblem)
            errors.Add(EvaluateOptions.Levels.FieldPath, levelsProblem);

        var (agent, env) = await ValidateAgentAsync(request, teamId, db, errors, "evaluate", ct);
        if (request.Levels == EvaluateOptions.TestLevelSet && env is not null && EnvironmentCatalog.Contains(env) && !EnvironmentCatalog.Get(env).HasTestLevels)
            errors.Add(EvaluateOptions.Levels.FieldPath, $"Only ProcGen environments have test levels; {env} has none.");
        if (errors.Count > 0) return null;

        var episodes = request.Episodes ?? EvaluateOptions.Episodes.IntDefault;
        var rule = AgentRule(agent!);
        return new EvaluateRunSpec
        {
            Env = env!, Steps = episodes, Episodes = episodes, Greedy = request.Greedy ?? false, AgentCheckpointId = agent!.Id, Rule = rule,
            Levels = request.Levels ?? EvaluateOptions.TrainLevelSet,
            MetaNetworkCheckpointId = agent.Run!.MetaNetworkCheckpointId,
        };
    }

    private static async Task<RunSpec?> ValidateInspectAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors, CancellationToken ct)
    {
        NotFor("inspect", errors, ("envs", request.Envs is not null), ("init", request.Init is not null), ("steps", request.Steps is not null),
            ("greedy", request.Greedy is not null), ("levels", request.Levels is not null),
            ("metaNetworkCheckpointId", request.MetaNetworkCheckpointId is not null));
        errors.Check(InspectOptions.Episodes, request.Episodes);
        var hyperparameters = CheckHyperparameters(request.Hyperparameters, InspectOptions.All, "inspect", errors);
        var (agent, env) = await ValidateAgentAsync(request, teamId, db, errors, "inspect", ct);

        // The rule applied: the agent's own, or another meta-learned rule for an agent with the predictions it reads (y, z, q).
        RuleReference? rule = null;
        var agentRule = agent?.Run is not null ? AgentRule(agent) : null;
        if (request.Rule is not null)
        {
            if (!RuleReference.TryParse(request.Rule, allowNpz: false, out rule, out var ruleError)) errors.Add("rule", ruleError);
            else if (rule.MetaNetworkId is { } id && !await MetaNetworkVisibleAsync(db, id, teamId, ct)) errors.Add("rule", "No such meta-network checkpoint.");
            else if (agentRule is not null && IsBaseline(agentRule) && rule.ToString() != agentRule.ToString())
                errors.Add("rule", $"The agent was trained with {agentRule}: a baseline is inspected with its own rule only.");
            else if (agentRule is not null && !IsBaseline(agentRule) && IsBaseline(rule))
                errors.Add("rule", $"{rule} needs its own value head; this agent was trained with {agentRule} (a meta-learned rule's agent).");
        }
        if (agentRule is { Kind: RuleKind.NpzFile } && rule is null)
            errors.Add("rule", "The agent's own rule is a file named on the command line: name the rule to apply (disco103 or meta-network:ID).");
        if (errors.Count > 0) return null;

        var episodes = request.Episodes ?? InspectOptions.Episodes.IntDefault;
        rule ??= agentRule!;
        return new InspectRunSpec
        {
            Env = env!, Steps = episodes, Episodes = episodes, AgentCheckpointId = agent!.Id, Rule = rule, AgentRule = agentRule!,
            Hyperparameters = hyperparameters, MetaNetworkCheckpointId = rule.MetaNetworkId,
        };
    }

    private static bool IsBaseline(RuleReference rule) => rule.ToString() is RuleCatalog.ActorCritic or RuleCatalog.Ppo;

    /// <summary>The rule that trained an agent checkpoint, as its run recorded it.</summary>
    private static RuleReference AgentRule(Checkpoint agent) =>
        RuleReference.TryParse(agent.Run!.Rule, allowNpz: true, out var rule, out _) ? rule : RuleReference.Disco103;

    /// <summary>An evaluation's or an inspection's agent checkpoint (the team's) and the environment: the one given, or the agent's own.</summary>
    private static async Task<(Checkpoint? Agent, string? Env)> ValidateAgentAsync(SubmitRunRequest request, Guid teamId, PlatformDbContext db, Errors errors,
        string what, CancellationToken ct)
    {
        Checkpoint? agent = null;
        if (request.AgentCheckpointId is not { } agentId) errors.Add("agentCheckpointId", $"Required: the agent checkpoint to {what}.");
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
            && EnvironmentCatalog.Contains(env) && EnvironmentCatalog.Contains(source.EnvironmentId))
        {
            var (to, from) = (EnvironmentCatalog.Get(env), EnvironmentCatalog.Get(source.EnvironmentId));
            if (to.ActionCount != from.ActionCount || !to.ObservationShape.SequenceEqual(from.ObservationShape))
                errors.Add("env", $"The agent was trained on {source.EnvironmentId}, whose observations or actions differ from {env}'s.");
        }
        return (agent, env);
    }

    /// <summary>
    /// Each hyperparameter must be an option of the kind's table with a value of its type and range: anything else is
    /// refused and named, so neither a typo nor a value meant for another option reaches the trainer.
    /// </summary>
    private static Dictionary<string, JsonElement> CheckHyperparameters(Dictionary<string, JsonElement>? given, IReadOnlyList<RunOption> table,
        string kind, Errors errors)
    {
        var hyperparameters = given ?? [];
        if (hyperparameters.Count > MaxHyperparameters) { errors.Add("hyperparameters", $"At most {MaxHyperparameters} entries."); return []; }
        var options = RunOptionTables.Hyperparameters(table).ToList();
        foreach (var (name, value) in hyperparameters)
        {
            if (!HyperparameterName().IsMatch(name))
                errors.Add("hyperparameters", "Option names are letters, digits, '_', '.', '-' (at most 64), starting with a letter or '_'.");
            else if (options.FirstOrDefault(o => o.Name == name) is not { } option)
                errors.Add($"hyperparameters.{name}", $"Not a {kind} option; expected one of {string.Join(", ", options.Select(o => o.Name))}.");
            else if (option.Check(value) is { } problem)
                errors.Add(option.FieldPath, problem);
        }
        return hyperparameters.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
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
