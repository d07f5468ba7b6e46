using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Web.Services;

/// <summary>
/// The pipeline form (POST /api/pipelines): every field as the user typed it. Problems are keyed by the API's own field
/// names ("metaTrain.steps", "evaluation.seeds", "metaTrain.hyperparameters.agents"), so the form's checks and the API's
/// refusals (<see cref="FieldOf"/>) land beside the same fields. Ranges, defaults and labels come from the option tables of
/// GET /api/run-options: meta-train for the meta-training, train for the evaluation runs.
/// </summary>
public sealed partial class PipelineDesign
{
    // The request's field names (the keys of its problems).
    public const string Name = "name", MetaEnvs = "metaTrain.envs", MetaSteps = "metaTrain.steps", Init = "metaTrain.init", MetaSeed = "metaTrain.seed",
        MetaQueue = "metaTrain.queue", Evaluation = "evaluation", EvalEnvs = "evaluation.envs", EvalSteps = "evaluation.steps",
        Seeds = "evaluation.seeds", Baselines = "evaluation.baselines", EvalQueue = "evaluation.queue";
    public static string MetaOption(string name) => "metaTrain.hyperparameters." + name;
    public static string EvalOption(string name) => "evaluation.hyperparameters." + name;

    /// <summary>The meta-train option the pipeline needs (≥ 1): it takes the rule meta-validation selects.</summary>
    public const string ValidateEvery = "validate-every";
    /// <summary>The meta-train options about meta-validation, shown together: they decide which rule the pipeline evaluates.</summary>
    public static readonly IReadOnlyList<string> ValidationOptions = [ValidateEvery, "validation-agents", "validation-steps"];
    /// <summary>Init choices of a meta-train run besides a team's meta-networks (the API's names).</summary>
    public const string RandomInit = "random", Disco103Init = "disco103";
    /// <summary>The API's limits (PipelineService, MetaTrainOptions, SweepExpansion); it refuses more in any case.</summary>
    public const int MaxEnvironments = 16, MaxSeeds = 10, MaxRuns = 200;

    public string? PipelineName { get; set; }

    public IReadOnlyCollection<string> MetaEnvironments { get; set; } = [];
    public string? MetaStepsText { get; set; }
    /// <summary>random | disco103 | meta-network:ID.</summary>
    public string InitRule { get; set; } = RandomInit;
    /// <summary>Empty: the API chooses one and records it.</summary>
    public string? MetaSeedText { get; set; }
    public string MetaQueueName { get; set; } = "cpu";
    public Dictionary<string, string?> MetaOptions { get; set; } = [];

    /// <summary>A suite id (GET /api/suites), or null: the environments chosen in <see cref="EvalEnvironments"/>.</summary>
    public string? Suite { get; set; }
    public IReadOnlyCollection<string> EvalEnvironments { get; set; } = [];
    public string? EvalStepsText { get; set; }
    public string? SeedsText { get; set; } = "1";
    public IReadOnlyCollection<string> BaselineRules { get; set; } = [];
    public string EvalQueueName { get; set; } = "cpu";
    public Dictionary<string, string?> EvalOptions { get; set; } = [];

    /// <summary>How many environments each suite has (GET /api/suites): the evaluation's size when a suite is chosen.</summary>
    public IReadOnlyDictionary<string, int> SuiteSizes { get; set; } = new Dictionary<string, int>();

    private string? _suggestedValidateEvery;

    /// <summary>
    /// Meta-validation every quarter of the meta-steps (at least 1), re-suggested when the meta-steps change until the user
    /// types a value of their own: a pipeline needs validation, and a few validations over the run choose among a few rules.
    /// </summary>
    public void SuggestValidateEvery()
    {
        if (!OptionValues.TryWhole(MetaStepsText, out var steps) || steps < 1) return;
        var current = MetaOptions.GetValueOrDefault(ValidateEvery);
        if (!string.IsNullOrWhiteSpace(current) && current != _suggestedValidateEvery) return;
        MetaOptions[ValidateEvery] = _suggestedValidateEvery = Math.Max(1, steps / 4).ToString(CultureInfo.InvariantCulture);
    }

    public int EvalEnvironmentCount => Suite is { } s ? SuiteSizes.GetValueOrDefault(s) : EvalEnvironments.Count;
    public int SeedCount => OptionValues.ParseSeeds(SeedsText, MaxSeeds).Seeds.Count;

    /// <summary>The API's count: the meta-train run, and one run per rule (the selected one and each baseline), environment and seed.</summary>
    public int RunCount => 1 + (BaselineRules.Count + 1) * EvalEnvironmentCount * SeedCount;

    /// <summary>"5 runs: 1 meta-train + (1 selected rule + 1 baseline) × 2 environments × 1 seed".</summary>
    public string Summary
    {
        get
        {
            static string Of(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
            return $"{Of(RunCount, "run")}: 1 meta-train + (1 selected rule + {Of(BaselineRules.Count, "baseline")}) × " +
                   $"{Of(EvalEnvironmentCount, "environment")} × {Of(SeedCount, "seed")}";
        }
    }

    /// <summary>
    /// The request, or the problems keyed by field. <paramref name="metaTrain"/> and <paramref name="train"/>: the option
    /// tables of meta-train and train (GET /api/run-options).
    /// </summary>
    public (SubmitPipelineBody? Body, List<(string Key, string Message)> Errors) Build(IReadOnlyList<RunOptionDto> metaTrain,
        IReadOnlyList<RunOptionDto> train)
    {
        var errors = new List<(string Key, string Message)>();
        void Check(string key, string? problem) { if (problem is not null) errors.Add((key, problem)); }
        RunOptionDto Core(IReadOnlyList<RunOptionDto> table, string field) => table.Single(o => o.Field == field);
        var metaHyper = metaTrain.Where(o => o.IsHyperparameter).ToList();
        var trainHyper = train.Where(o => o.IsHyperparameter).ToList();

        if (string.IsNullOrWhiteSpace(PipelineName)) errors.Add((Name, "Name the pipeline."));
        else if (PipelineName.Trim().Length > 200) errors.Add((Name, "At most 200 characters."));

        if (MetaEnvironments.Count == 0) errors.Add((MetaEnvs, "Choose at least one environment to meta-train on."));
        else if (MetaEnvironments.Count > MaxEnvironments) errors.Add((MetaEnvs, $"At most {MaxEnvironments} environments."));
        Check(MetaSteps, OptionValues.WholeProblem(Core(metaTrain, "steps"), MetaStepsText, required: true));
        Check(MetaSeed, OptionValues.WholeProblem(Core(metaTrain, "seed"), MetaSeedText, required: false));
        // The option's own range only: that a pipeline needs validate-every ≥ 1 is the API's rule, and its message says why.
        foreach (var h in metaHyper) Check(MetaOption(h.Name), OptionValues.Problem(h, MetaOptions.GetValueOrDefault(h.Name)));

        if (Suite is null && EvalEnvironments.Count == 0) errors.Add((EvalEnvs, "Choose a suite or at least one environment to evaluate on."));
        else if (EvalEnvironmentCount > MaxEnvironments) errors.Add((EvalEnvs, $"At most {MaxEnvironments} environments."));
        Check(EvalSteps, OptionValues.WholeProblem(Core(train, "steps"), EvalStepsText, required: true));
        var (seeds, seedError) = OptionValues.ParseSeeds(SeedsText, MaxSeeds);
        Check(Seeds, seedError ?? (seeds.Count == 0 ? "Enter one or more seeds, comma-separated." : null));
        foreach (var h in trainHyper) Check(EvalOption(h.Name), OptionValues.Problem(h, EvalOptions.GetValueOrDefault(h.Name)));
        if (errors.Count == 0 && RunCount > MaxRuns) errors.Add((Evaluation, $"This pipeline would make {RunCount} runs; at most {MaxRuns}."));
        if (errors.Count > 0) return (null, errors);

        OptionValues.TryWhole(MetaStepsText, out var metaSteps);
        OptionValues.TryWhole(EvalStepsText, out var evalSteps);
        long? metaSeed = OptionValues.TryWhole(MetaSeedText, out var s) ? s : null;
        return (new SubmitPipelineBody
        {
            Name = PipelineName!.Trim(),
            MetaTrain = new SubmitRunBody
            {
                Kind = "meta-train", Envs = [.. MetaEnvironments], Steps = metaSteps, Init = InitRule, Seed = metaSeed, Queue = MetaQueueName,
                Hyperparameters = OptionValues.Hyperparameters(metaHyper, MetaOptions),
            },
            Evaluation = new PipelineEvaluationBody
            {
                Suite = Suite, Envs = Suite is null ? [.. EvalEnvironments] : null, Steps = evalSteps, Seeds = seeds,
                // Sent even when empty: no baselines is a choice (left out, the API would take all of them).
                Baselines = [.. BaselineRules], Queue = EvalQueueName, Hyperparameters = OptionValues.Hyperparameters(trainHyper, EvalOptions),
            },
        }, errors);
    }

    /// <summary>
    /// The form field an API problem belongs to: an item's problem (envs[1], baselines[0]) on its list, the validator's
    /// names for a single run (env, seed, metaNetworkCheckpointId) on the pipeline's fields, a suite on the environments.
    /// </summary>
    public static string FieldOf(string apiKey)
    {
        var key = ItemIndex().Replace(apiKey, "");
        return key switch
        {
            "metaTrain.env" => MetaEnvs,
            "metaTrain.metaNetworkCheckpointId" => Init,
            "evaluation.env" or "evaluation.suite" => EvalEnvs,
            "evaluation.seed" => Seeds,
            "evaluation.rule" => Baselines,
            _ => key,
        };
    }

    [GeneratedRegex(@"\[\d+\]$")]
    private static partial Regex ItemIndex();
}
