using System.Text.Json;

namespace Platform.Data.Runs;

/// <summary>
/// Every option a run of each kind takes, declared once. The worker CLI (<c>train</c>, <c>meta-train</c>,
/// <c>evaluate</c>) documents and range-checks its options from these tables and its config records take their defaults
/// from them; the API validates submissions against them and serves them as <c>GET /api/run-options</c>; the web's
/// submit form renders its fields from that answer.
/// </summary>
public static class RunOptionTables
{
    public const string Train = "train", MetaTrain = "meta-train", Evaluate = "evaluate", Inspect = "inspect";

    /// <summary>By run kind (its wire name), in the order forms show them.</summary>
    /// <remarks>A property, not a field: the tables' own initialisers use this class's helpers.</remarks>
    public static IReadOnlyDictionary<string, IReadOnlyList<RunOption>> All => new Dictionary<string, IReadOnlyList<RunOption>>
    {
        [Train] = TrainOptions.All,
        [MetaTrain] = MetaTrainOptions.All,
        [Evaluate] = EvaluateOptions.All,
        [Inspect] = InspectOptions.All,
    };

    /// <summary>Options passed as hyperparameters (not a field of the submission of their own).</summary>
    public static IEnumerable<RunOption> Hyperparameters(IReadOnlyList<RunOption> table) => table.Where(o => o.Field is null);

    /// <summary>The seed every kind takes: a field of the submission, recorded on the run.</summary>
    internal static RunOption Seed(long cliDefault) => new()
    {
        Name = "seed", Field = "seed", Label = "Seed", Type = RunOptionType.Integer, Min = 0, Max = int.MaxValue,
        Help = "Random seed of the environments, the agent and its actions.",
        DefaultText = $"{cliDefault} on the command line; the API chooses one at random and records it",
        Source = "platform",
    };

    internal static RunOption Int(string name, string label, string help, long? @default, double min, double max, string source, string? field = null,
        string? defaultText = null) => new()
    {
        Name = name, Field = field, Label = label, Type = RunOptionType.Integer, Help = help, Min = min, Max = max, Source = source,
        Default = @default is { } d ? RunOption.Value(d) : null, DefaultText = defaultText,
    };

    internal static RunOption Real(string name, string label, string help, double? @default, double min, double max, string source,
        bool minExclusive = false, string? defaultText = null) => new()
    {
        Name = name, Label = label, Type = RunOptionType.Number, Help = help, Min = min, MinExclusive = minExclusive, Max = max,
        Source = source, Default = @default is { } d ? RunOption.Value(d) : null, DefaultText = defaultText,
    };

    internal static RunOption Choice(string name, string label, string help, string[] choices, string @default, string source) => new()
    {
        Name = name, Label = label, Type = RunOptionType.Choice, Help = help, Choices = choices, Default = RunOption.Value(@default), Source = source,
    };

    /// <summary>A default for runs on <paramref name="suite"/> and/or with <paramref name="rule"/> (a defaults family), with its source.</summary>
    internal static ScopedDefault On<T>(string? suite, string? rule, T value, string source) => new(suite, rule, RunOption.Value(value), source);

    /// <summary>The agent network choices (Platform.Workers AgentNetworkConfig): same names for training and meta-training.</summary>
    internal static string[] Networks => ["demo", "small", "small-conv", "colab"];

    /// <summary>The networks' help text, shared by train and meta-train.</summary>
    internal const string NetworksHelp = "demo: MLP 512-512 + LSTM 128 (the reference demo); small: MLP 64-64 + LSTM 64; " +
                                         "small-conv: 3×3 conv 16 + MLP 128-128 + LSTM 64; colab: MLP 512-512 + LSTM 256 (the reference meta-training colab).";
}

/// <summary><c>train</c>: an agent trained with a rule on one environment.</summary>
public static class TrainOptions
{
    /// <summary>The largest step budget a run may ask for (10¹⁰ environment steps).</summary>
    public const long MaxSteps = 10_000_000_000;

    // Where the Catch defaults come from: the three rules learn Catch 8×8 with them (docs/LEARNING.md, "Catch 8×8";
    // CatchLearningTests trains Disco103 from these defaults alone). Elsewhere each rule keeps its published settings.
    private const string Catch = "catch", CatchMeasured = "measured on Catch 8×8, docs/LEARNING.md";
    private const string Disco = RuleCatalog.Disco103, Ac = RuleCatalog.ActorCritic, Ppo = RuleCatalog.Ppo;
    private const int CatchReplayRatio = 16;
    // Disco103 on MinAtar in the Catch regime (batch 32 from 2 actors, replay ratio 16, lr 1e-2): the published regime
    // (batch 64, replay ratio 32, lr 3e-4) holds Breakout at a uniform policy; this one lifts off on two of the five games.
    private const string MinAtar = "minatar",
        MinAtarDiscoMeasured = "measured on MinAtar, docs/LEARNING.md: lifts Disco103 off on Breakout and Space Invaders (2 seeds each), not yet on Asterix, Seaquest or Freeway; the published regime stays at a uniform policy on Breakout";

    public static readonly RunOption Steps = RunOptionTables.Int("steps", "Step budget (environment steps)",
        "Environment steps in total.", 100_000, 1, MaxSteps, "platform", field: "steps") with
    {
        ScopedDefaults =
        [
            RunOptionTables.On(Catch, null, 60_000, "enough for each rule to learn Catch 8×8, docs/LEARNING.md"),
            // Said where a user chooses it: at these defaults Disco103 learns two of the five MinAtar games (issue #13).
            RunOptionTables.On(MinAtar, Disco, 100_000, "enough for Disco103 to lift off on Breakout and Space Invaders with the MinAtar defaults; not yet shown on Asterix, Seaquest or Freeway, docs/LEARNING.md"),
        ],
    };
    public static readonly RunOption Seed = RunOptionTables.Seed(0);
    public static readonly RunOption LearningRate = RunOptionTables.Real("lr", "Learning rate",
        "Adam learning rate of the agent.", null, 0, 10, "the rule's", minExclusive: true) with
    {
        ScopedDefaults =
        [
            RunOptionTables.On(Catch, Disco, 1e-2, "the reference's Catch setting"),
            RunOptionTables.On(Catch, Ac, 2e-3, CatchMeasured),
            RunOptionTables.On(Catch, Ppo, 2.5e-3, CatchMeasured),
            RunOptionTables.On(MinAtar, Disco, 1e-2, MinAtarDiscoMeasured),
            RunOptionTables.On(null, Disco, 3e-4, "reference get_settings_disco"),
            RunOptionTables.On(null, Ac, 5e-4, "reference get_settings_actor_critic"),
            RunOptionTables.On(null, Ppo, 2.5e-4, "CleanRL ppo_atari"),
        ],
    };
    public static readonly RunOption EntropyCost = RunOptionTables.Real("entropy-cost", "Entropy bonus (baselines)",
        "Entropy bonus of actor-critic and PPO (Disco103's targets need none).", null, 0, 10, "the rule's") with
    {
        ScopedDefaults =
        [
            RunOptionTables.On(Catch, Ac, 0.1, CatchMeasured + ": the published 0.2 holds the policy near uniform on ±1 rewards"),
            RunOptionTables.On(null, Ac, 0.2, "reference get_settings_actor_critic"),
            RunOptionTables.On(null, Ppo, 0.01, "CleanRL ppo_atari"),
        ],
    };
    public static readonly RunOption Rollout = RunOptionTables.Int("rollout", "Rollout length",
        "Steps per trajectory the learner sees (T).", 29, 2, 1000, "reference harness (disco_rl: T = 29)");
    public static readonly RunOption Batch = RunOptionTables.Int("batch", "Batch (trajectories per learner step)",
        "Trajectories per learner step (B).", 64, 1, 4096, "reference harness (disco_rl: B = 64)") with
    {
        ScopedDefaults =
        [
            RunOptionTables.On(Catch, Disco, 32, CatchMeasured), RunOptionTables.On(Catch, Ac, 32, CatchMeasured), RunOptionTables.On(Catch, Ppo, 16, CatchMeasured),
            RunOptionTables.On(MinAtar, Disco, 32, MinAtarDiscoMeasured),
        ],
    };
    /// <summary>How rollouts are cut: as the reference (a rollout of T states holds T − 1 transitions; rollouts share no state) or overlapping.</summary>
    public static readonly RunOption Segments = RunOptionTables.Choice("segments", "Rollout segmentation",
        "reference: a rollout of T states holds T − 1 transitions and the next starts at the following state; overlapping: T transitions, consecutive rollouts share a state.",
        [ReferenceSegments, OverlappingSegments], ReferenceSegments, "reference disco_rl: a 29-step rollout holds 28 transitions");
    public const string ReferenceSegments = "reference", OverlappingSegments = "overlapping";

    /// <summary>Which steps' losses count: all but episode starts (the reference agent's mask) or every step.</summary>
    public static readonly RunOption LossMask = RunOptionTables.Choice("loss-mask", "Loss mask (Disco, actor-critic)",
        "episode-starts: the loss at the first state of each new episode is left out, as the reference agent's discounts[:-1] > 0 mask; none: every step counts. PPO counts every step.",
        [MaskEpisodeStarts, MaskNone], MaskEpisodeStarts, "reference disco_rl agent (Agent._loss)");
    public const string MaskEpisodeStarts = "episode-starts", MaskNone = "none";

    public static readonly RunOption ReplayRatio = RunOptionTables.Int("replay-ratio", "Replay ratio",
        "Replay rules (Disco, actor-critic) run batch / R actor environments; at most the batch.", null, 1, 4096,
        "reference harness (disco_rl: 32)",
        defaultText: $"min(32, batch); min({CatchReplayRatio}, batch) for Disco rules and actor-critic on catch, and Disco rules on minatar") with
    {
        ScopedDefaults =
        [
            RunOptionTables.On(Catch, Disco, CatchReplayRatio, CatchMeasured), RunOptionTables.On(Catch, Ac, CatchReplayRatio, CatchMeasured),
            RunOptionTables.On(MinAtar, Disco, CatchReplayRatio, MinAtarDiscoMeasured),
        ],
    };
    public static readonly RunOption ReplayCapacity = RunOptionTables.Int("replay-capacity", "Replay capacity (trajectories)",
        "Trajectories the replay FIFO holds; at least the batch.", 1024, 1, 1_000_000, "reference harness (disco_rl: 1024)",
        defaultText: "1024, or the batch when larger");
    public static readonly RunOption Network = RunOptionTables.Choice("net", "Agent network",
        RunOptionTables.NetworksHelp, RunOptionTables.Networks, "small-conv", "platform") with
    {
        ScopedDefaults = [RunOptionTables.On(Catch, null, "small", CatchMeasured)],
    };
    public static readonly RunOption LogEvery = RunOptionTables.Int("log-every", "Log metrics every K learner steps",
        "Metrics line every K learner iterations.", null, 1, 1_000_000, "platform",
        defaultText: $"{MaxDefaultLogEvery}, or fewer so that the run logs at least {MinLoggedPoints} points (every iteration when it has fewer iterations)");
    /// <summary>The log interval of a long run when not given: a metrics line every this many iterations.</summary>
    public const int MaxDefaultLogEvery = 10;
    /// <summary>
    /// The metric points a run logs at least when its interval is not given and it has that many iterations, so that a
    /// short budget (a 20,000-step PPO run is 11 iterations) still draws a curve rather than two points.
    /// </summary>
    public const int MinLoggedPoints = 50;

    /// <summary>
    /// The log interval when not given: <see cref="MaxDefaultLogEvery"/>, lowered (to 1 at least) so that a run of
    /// <paramref name="steps"/> environment steps, <paramref name="stepsPerIteration"/> per learner iteration, logs
    /// <see cref="MinLoggedPoints"/> points or on every iteration.
    /// </summary>
    public static int DefaultLogEvery(long steps, long stepsPerIteration)
    {
        long iterations = (steps + stepsPerIteration - 1) / Math.Max(1, stepsPerIteration);
        return (int)Math.Clamp(iterations / MinLoggedPoints, 1, MaxDefaultLogEvery);
    }
    public static readonly RunOption CheckpointEvery = RunOptionTables.Int("checkpoint-every", "Checkpoint every N steps",
        "Checkpoint every N environment steps (0: only at the end).", null, 0, MaxSteps, "platform", defaultText: "steps / 10");
    public static readonly RunOption Threads = RunOptionTables.Int("threads", "CPU threads",
        "Torch CPU threads.", null, 1, 256, "torch", defaultText: "torch's choice");
    /// <summary>
    /// Episodes of each end-of-run evaluation of the final policy (actions sampled, a share fixed in advance per
    /// parallel environment): the run's final score on its environment, and for ProcGen on test levels too.
    /// </summary>
    public const int FinalEvaluationEpisodes = 100;

    /// <summary>The most training levels a run may ask for: level seeds above it belong to the test range.</summary>
    public const int MaxTrainLevels = 1 << 30;
    public static readonly RunOption TrainLevels = RunOptionTables.Int("train-levels", "Training levels (ProcGen)",
        "ProcGen: training draws its levels from this many level seeds; evaluation on test levels uses others only.", 200, 1, MaxTrainLevels,
        "ProcGen's easy-mode protocol (Cobbe et al. 2020): 200 training levels");

    public static readonly IReadOnlyList<RunOption> All =
        [Steps, Seed, LearningRate, EntropyCost, Rollout, Segments, LossMask, Batch, ReplayRatio, ReplayCapacity, Network, LogEvery, CheckpointEvery, Threads, TrainLevels];

    /// <summary>The replay ratio when not given: 32, or the batch when that is smaller.</summary>
    public static int DefaultReplayRatio(int batch) => Math.Min(32, batch);

    /// <summary>The checkpoint interval when not given: a tenth of the budget.</summary>
    public static long DefaultCheckpointEvery(long steps) => Math.Max(1, steps / 10);

    /// <summary>Constraints between options, as (option, problem); checked by the CLI's config and by the API alike.</summary>
    public static IEnumerable<(RunOption Option, string Problem)> CheckTogether(int batch, int replayRatio, int replayCapacity)
    {
        if (replayRatio > batch) yield return (ReplayRatio, $"Must be at most the batch ({batch}).");
        if (replayCapacity < batch) yield return (ReplayCapacity, $"Must be at least the batch ({batch}).");
    }

    /// <summary>The replay capacity when not given: 1024, or the batch when that is larger.</summary>
    public static int DefaultReplayCapacity(int batch) => Math.Max(ReplayCapacity.IntDefault, batch);

    /// <summary>
    /// The batch, replay ratio and capacity a run on <paramref name="suite"/> with <paramref name="rule"/> comes to, from
    /// the values given (null: the default there, or derived from the batch).
    /// </summary>
    public static (int Batch, int ReplayRatio, int ReplayCapacity) Replay(string? suite, string? rule, int? batch, int? replayRatio, int? replayCapacity)
    {
        var b = batch ?? checked((int)Batch.LongDefaultFor(suite, rule));
        // A suite's replay ratio is, like the general 32, a most: never above the batch (a smaller batch gives fewer actors' worth).
        var r = replayRatio ?? (ReplayRatio.DefaultFor(suite, rule) is { } d ? Math.Min(d.GetInt32(), b) : DefaultReplayRatio(b));
        return (b, r, replayCapacity ?? DefaultReplayCapacity(b));
    }

    /// <summary>The same, from a submission's hyperparameters.</summary>
    public static (int Batch, int ReplayRatio, int ReplayCapacity) Replay(string? suite, string? rule, IReadOnlyDictionary<string, JsonElement> given)
    {
        int? Get(RunOption o) => given.TryGetValue(o.Name, out var v) && v.TryGetInt32(out var x) ? x : null;
        return Replay(suite, rule, Get(Batch), Get(ReplayRatio), Get(ReplayCapacity));
    }
}

/// <summary><c>meta-train</c>: the Disco rule meta-trained on a population of agents (reference meta-training colab defaults).</summary>
public static class MetaTrainOptions
{
    public const long MaxMetaSteps = 1_000_000;
    /// <summary>Environments one meta-training population may span.</summary>
    public const int MaxEnvironments = 16;

    private const string Colab = "reference meta-training colab";

    public static readonly RunOption MetaSteps = RunOptionTables.Int("meta-steps", "Meta-steps",
        "Meta-gradient steps on the rule in total.", 800, 1, MaxMetaSteps, "platform", field: "steps");
    public static readonly RunOption Seed = RunOptionTables.Seed(0);
    public static readonly RunOption Agents = RunOptionTables.Int("agents", "Agents in the population",
        "Population size; agent i trains on environment i mod count.", 2, 1, 256, Colab);
    public static readonly RunOption InnerSteps = RunOptionTables.Int("inner-steps", "Inner agent updates per meta-step",
        "Inner learner steps per meta-gradient (K), each on a fresh rollout; the graph is kept through all K.", 2, 1, 64, Colab);
    public static readonly RunOption Rollout = RunOptionTables.Int("rollout", "Rollout length",
        "States per training rollout (one fewer transitions with the reference's segmentation); validation rollouts are twice as long.", 16, 2, 1000, Colab);
    public static readonly RunOption Batch = RunOptionTables.Int("batch", "Environments per agent",
        "Environments per agent (trajectories per inner step).", 32, 1, 4096, Colab);
    public static readonly RunOption InnerLearningRate = RunOptionTables.Real("inner-lr", "Inner (agent) learning rate",
        "The agents' learning rate.", 5e-4, 0, 1, Colab, minExclusive: true);
    public static readonly RunOption MetaLearningRate = RunOptionTables.Real("meta-lr", "Meta learning rate",
        "Meta-optimiser (Adam) learning rate.", 5e-4, 0, 1, Colab, minExclusive: true);
    public static readonly RunOption MetaGradClip = RunOptionTables.Real("meta-grad-clip", "Per-agent meta-gradient clip",
        "Clip each agent's meta-gradient to this global norm before averaging (0: off, as the reference).", 0, 0, 1e6, "platform (not in the reference)");
    public static readonly RunOption EntropyCost = RunOptionTables.Real("entropy-cost", "Meta-loss: policy entropy weight",
        "Meta-loss weight of −H(π) on the validation rollout.", 1e-2, 0, 1e3, Colab);
    public static readonly RunOption PredictionEntropyCost = RunOptionTables.Real("prediction-entropy-cost", "Meta-loss: y/z entropy weight",
        "Meta-loss weight of −H(y) − H(z) on the validation rollout.", 1e-3, 0, 1e3, Colab);
    public static readonly RunOption OutputMeanCost = RunOptionTables.Real("output-mean-cost", "Meta-loss: output-mean weight",
        "Meta-loss weight of the squared means of π̂, ŷ, ẑ.", 1e-3, 0, 1e3, Colab);
    public static readonly RunOption TargetKlCost = RunOptionTables.Real("target-kl-cost", "Meta-loss: target-policy KL weight",
        "Meta-loss weight of KL(π_target ‖ π̂) on the training rollouts.", 1e-2, 0, 1e3, Colab);
    public static readonly RunOption InitActionBias = RunOptionTables.Real("init-action-bias", "Initial bias of π̂'s per-action pathway",
        "With --init random: the starting bias of every ReLU unit on the policy target's per-action pathway (the two per-action blocks " +
        "and the π̂ block); 0 is Haiku's zero bias, as the reference. With zero biases these units start nearly or wholly off, so π̂ " +
        "treats every action alike and meta-training must first grow the pathway (docs/LEARNING.md, issue #18).",
        0, 0, 10, "platform (not in the reference)");
    public static readonly RunOption ActionPathwayLrScale = RunOptionTables.Real("action-pathway-lr-scale", "Meta lr scale of π̂'s per-action pathway",
        "The meta learning rate of the policy target's per-action blocks and π̂ block is the meta lr times this; 1 is one learning rate " +
        "for all of η, as the reference. Adam moves each weight of those blocks by about the learning rate per meta-step whatever its " +
        "gradient's size, which can switch their ReLU units off for good (docs/LEARNING.md, issue #18).",
        1, 0, 10, "platform (not in the reference)", minExclusive: true);
    public static readonly RunOption ActionPathwayAdamEps = RunOptionTables.Real("action-pathway-adam-eps", "Meta Adam ε of π̂'s per-action pathway",
        "Adam's ε in the meta-update of the policy target's per-action blocks and π̂ block (the rest of η keeps optax's 1e-8). Where a " +
        "meta-gradient is far below it, the step shrinks with the gradient instead of being about the learning rate whatever its size " +
        "(docs/LEARNING.md, issue #18).",
        1e-8, 0, 1, "optax.adam (its default ε; a larger value is not in the reference)", minExclusive: true);
    public static readonly RunOption MetaLrWarmup = RunOptionTables.Int("meta-lr-warmup", "Meta learning-rate warm-up (meta-steps)",
        "The meta learning rate rises linearly from 1/W of its value at the first meta-step to all of it at meta-step W (0: no " +
        "warm-up, as the reference). The first meta-gradients on π̂'s per-action pathway are the largest and lower its biases; " +
        "Adam makes each such step about the learning rate whatever its size (docs/LEARNING.md, issue #18).",
        0, 0, 1e9, "platform (not in the reference)");
    public static readonly RunOption PathwayAttributionEvery = RunOptionTables.Int("pathway-attribution-every", "Attribute π̂'s pathway gradient every",
        "Every this many meta-steps (0: never), split the meta-gradient on π̂'s per-action pathway by meta-loss term (policy gradient, " +
        "entropy, y/z entropy, output mean, target KL) and log each term's share of it (pathway_share_<term>, summing to 1) and its " +
        "gradient's mean on those blocks' biases (pathway_bias_grad_<term>; positive: the term pushes the biases down, towards closing " +
        "the ReLU units). A diagnostic: five extra backward passes on those steps (docs/LEARNING.md, issue #18).",
        0, 0, 1e9, "platform (a diagnostic)");
    public static readonly RunOption Lifetime = RunOptionTables.Int("lifetime", "Agent lifetime (inner steps)",
        "Inner steps before an agent is replaced by a fresh one (0: never).", 0, 0, 1e12, "platform");
    public static readonly RunOption Network = RunOptionTables.Choice("net", "Agent network",
        RunOptionTables.NetworksHelp, RunOptionTables.Networks, "colab", Colab);
    public static readonly RunOption CheckpointEvery = RunOptionTables.Int("checkpoint-every", "Checkpoint every M meta-steps",
        "Meta-steps between checkpoints (each a meta-network in the Disco103 layout).", 50, 1, MaxMetaSteps, "platform");
    public static readonly RunOption Threads = RunOptionTables.Int("threads", "CPU threads",
        "Torch CPU threads.", null, 1, 256, "torch", defaultText: "torch's choice");
    // Meta-validation (issue #18): fresh agents trained with the rule as it stands, on seeds the meta-training never used.
    public static readonly RunOption ValidateEvery = RunOptionTables.Int("validate-every", "Validate every M meta-steps",
        "Every M meta-steps (and at 0 and the end), fresh agents train with the current rule on held-out seeds; their mean return is " +
        "validation_return, the best-validated rule is kept as best/meta_network.npz and tested at the end on other seeds (0: no validation).",
        0, 0, MaxMetaSteps, "platform");
    public static readonly RunOption ValidationAgents = RunOptionTables.Int("validation-agents", "Validation agents",
        "Fresh agents per validation (agent i on the i-th environment, cycling), and per final test.", 2, 1, 16, "platform");
    public static readonly RunOption ValidationSteps = RunOptionTables.Int("validation-steps", "Validation budget (environment steps)",
        "Environment steps each validation agent trains for, with the inner learner's settings; its score is its last 100 episodes' mean return.",
        10_000, 100, 10_000_000, "platform");
    /// <summary>The inner learner cuts its rollouts and masks its loss as train's Disco learner does: the same options.</summary>
    public static readonly RunOption Segments = TrainOptions.Segments;
    public static readonly RunOption LossMask = TrainOptions.LossMask;

    public static readonly IReadOnlyList<RunOption> All =
    [
        MetaSteps, Seed, Agents, InnerSteps, Rollout, Segments, LossMask, Batch, InnerLearningRate, MetaLearningRate, MetaGradClip,
        EntropyCost, PredictionEntropyCost, OutputMeanCost, TargetKlCost, Lifetime, InitActionBias, ActionPathwayLrScale, ActionPathwayAdamEps, MetaLrWarmup, PathwayAttributionEvery, Network, CheckpointEvery, Threads,
        ValidateEvery, ValidationAgents, ValidationSteps,
    ];
}

/// <summary><c>evaluate</c>: a trained agent's policy run for a number of episodes.</summary>
public static class EvaluateOptions
{
    public const int MaxEpisodes = 100_000;

    /// <summary>Evaluation seeds default apart from the small seeds training uses.</summary>
    public const long CliDefaultSeed = 1_000_003;

    public static readonly RunOption Episodes = RunOptionTables.Int("episodes", "Episodes",
        "Complete episodes to run.", 100, 1, MaxEpisodes, "platform", field: "episodes");
    public static readonly RunOption Greedy = new()
    {
        Name = "greedy", Field = "greedy", Label = "Greedy", Type = RunOptionType.Boolean, Default = RunOption.Value(false), Source = "platform",
        Help = "Take the policy's most likely action instead of sampling it.",
    };
    public static readonly RunOption Seed = RunOptionTables.Seed(CliDefaultSeed);

    /// <summary>Which levels a ProcGen evaluation plays: the agent's training levels, or test levels it never saw.</summary>
    public static readonly RunOption Levels = RunOptionTables.Choice("levels", "Levels (ProcGen)",
        "ProcGen: 'train' plays the agent's training levels, 'test' only levels outside them (generalisation).",
        [TrainLevelSet, TestLevelSet], TrainLevelSet, "ProcGen's protocol: train on a fixed set of levels, report on unseen ones") with { Field = "levels" };
    public const string TrainLevelSet = "train", TestLevelSet = "test";

    public static readonly IReadOnlyList<RunOption> All = [Episodes, Greedy, Levels, Seed];
}

/// <summary><c>inspect</c>: what a rule asks of a trained agent on fresh episodes (<c>inspect-rule</c>, issue #17).</summary>
public static class InspectOptions
{
    public const int MaxEpisodes = 1000;
    /// <summary>Environments rolled out side by side: min(episodes, this).</summary>
    public const int MaxLanes = 16;

    public static readonly RunOption Episodes = RunOptionTables.Int("episodes", "Episodes",
        $"Complete episodes to roll out (on up to {MaxLanes} environments side by side); every step of them is in the report.", 20, 1, MaxEpisodes,
        "platform", field: "episodes");
    public static readonly RunOption Seed = RunOptionTables.Seed(0);
    public static readonly RunOption EndsWithin = RunOptionTables.Int("ends-within", "Probe horizon (steps)",
        "The probes' target \"the episode ends within K steps\".", 5, 1, 1000, "platform");

    public static readonly IReadOnlyList<RunOption> All = [Episodes, EndsWithin, Seed];
}
