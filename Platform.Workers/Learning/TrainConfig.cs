using Platform.Data.Runs;
using Platform.Workers.Agents;
using Platform.Workers.UpdateRules.ActorCritic;
using Platform.Workers.UpdateRules.Disco;
using Platform.Workers.UpdateRules.Ppo;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// Everything that defines a training run (written to run.json). Steps are environment steps. Replay rules
/// (Disco, actor-critic) run BatchSize / ReplayRatio actor environments and sample BatchSize trajectories of
/// RolloutLength steps from a FIFO of ReplayCapacity trajectories per learner step (reference harness: 64, 32, 1024,
/// 29). PPO runs BatchSize actor environments and learns from their fresh rollouts. Defaults and ranges come from the
/// train option table (<see cref="TrainOptions"/>), which the CLI and the API share.
/// </summary>
public sealed record TrainConfig
{
    public required string Env { get; init; }
    public string Rule { get; init; } = RuleCatalog.Disco103;
    public long Steps { get; init; } = TrainOptions.Steps.LongDefault;
    public long Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public int RolloutLength { get; init; } = TrainOptions.Rollout.IntDefault;
    /// <summary>reference | overlapping (<see cref="TrainOptions.Segments"/>); null: run.json from before the option, overlapping.</summary>
    public string? Segments { get; init; }
    /// <summary>episode-starts | none (<see cref="TrainOptions.LossMask"/>); null: run.json from before the option, none.</summary>
    public string? LossMask { get; init; }

    /// <summary>Transitions per trajectory: the rollout's states less one under the reference's segmentation.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Transitions => Segments == TrainOptions.ReferenceSegments ? RolloutLength - 1 : RolloutLength;
    [System.Text.Json.Serialization.JsonIgnore]
    public bool StepsPastRolloutEnd => Segments == TrainOptions.ReferenceSegments;
    /// <summary>Environment steps each actor takes per rollout: its transitions, and the step past the end under the reference's segmentation.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int EnvStepsPerRollout => Transitions + (StepsPastRolloutEnd ? 1 : 0);
    [System.Text.Json.Serialization.JsonIgnore]
    public bool MasksEpisodeStarts => LossMask == TrainOptions.MaskEpisodeStarts;
    public int BatchSize { get; init; } = TrainOptions.Batch.IntDefault;
    public int ReplayRatio { get; init; } = TrainOptions.DefaultReplayRatio(TrainOptions.Batch.IntDefault);
    public int ReplayCapacity { get; init; } = TrainOptions.ReplayCapacity.IntDefault;
    /// <summary>Null (run.json from before the option table held it): the rule's published default.</summary>
    public double? LearningRate { get; init; }
    public double MaxAbsUpdate { get; init; } = 1.0;
    /// <summary>Entropy bonus of the baselines (actor-critic, PPO); null: the rule's published default (none for Disco rules).</summary>
    public double? EntropyCost { get; init; }
    public AgentNetworkConfig Network { get; init; } = AgentNetworkConfig.Demo;
    /// <summary>
    /// Log a metrics line every this many learner iterations; null: from the budget (<see cref="TrainOptions.DefaultLogEvery"/>),
    /// which the trainer fills in before it writes run.json, so a resumed run logs as it did.
    /// </summary>
    public int? LogEvery { get; init; }
    /// <summary>Write a checkpoint every this many environment steps (0: only at the end).</summary>
    public long CheckpointEvery { get; init; }
    public int KeepCheckpoints { get; init; } = 3;
    /// <summary>ProcGen: the level seeds training draws from (run.json of runs from before it existed: the default, 200).</summary>
    public int TrainLevels { get; init; } = TrainOptions.TrainLevels.IntDefault;

    /// <summary>
    /// A run's configuration from the options given (null: not given). What is not given takes the train option table's
    /// default for the environment's suite and the rule (<see cref="RunOption.DefaultFor"/>), or is derived from the
    /// values given (replay ratio and capacity from the batch, the checkpoint interval from the budget). The CLI builds
    /// every run with it, so a run from <c>--env --rule --steps --seed</c> alone has the defaults the API and the form show.
    /// </summary>
    public static TrainConfig FromOptions(string env, string? rule = null, long? steps = null, long? seed = null, string? device = null,
        int? rollout = null, string? segments = null, string? lossMask = null, int? batch = null, int? replayRatio = null, int? replayCapacity = null, double? learningRate = null,
        double? entropyCost = null, string? net = null, int? logEvery = null, long? checkpointEvery = null, int? trainLevels = null)
    {
        var suite = Environments.EnvironmentRegistry.Get(env).Suite;
        rule ??= RuleCatalog.Disco103;
        var budget = steps ?? TrainOptions.Steps.LongDefaultFor(suite, rule);
        var (b, r, capacity) = TrainOptions.Replay(suite, rule, batch, replayRatio, replayCapacity);
        return new TrainConfig
        {
            Env = env,
            Rule = rule,
            Steps = budget,
            Seed = seed ?? 0,
            Device = device ?? "cpu",
            RolloutLength = rollout ?? TrainOptions.Rollout.IntDefault,
            Segments = segments ?? TrainOptions.Segments.StringDefaultFor(suite, rule),
            LossMask = lossMask ?? TrainOptions.LossMask.StringDefaultFor(suite, rule),
            BatchSize = b,
            ReplayRatio = r,
            ReplayCapacity = capacity,
            LearningRate = learningRate ?? TrainOptions.LearningRate.DoubleDefaultFor(suite, rule),
            EntropyCost = entropyCost ?? TrainOptions.EntropyCost.DoubleDefaultFor(suite, rule),
            Network = AgentNetworkConfig.Named(net ?? TrainOptions.Network.StringDefaultFor(suite, rule)),
            LogEvery = logEvery,
            CheckpointEvery = checkpointEvery ?? TrainOptions.DefaultCheckpointEvery(budget),
            TrainLevels = trainLevels ?? TrainOptions.TrainLevels.IntDefault,
        };
    }

    /// <summary>The environments' options for this run: training (its levels), or evaluation on the test levels.</summary>
    public Environments.EnvironmentOptions EnvironmentOptions(bool testLevels = false) =>
        new() { TrainLevels = TrainLevels, UseTestLevels = testLevels };

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Env)) throw new ArgumentException("--env is required");
        Environments.EnvironmentRegistry.Get(Env);
        TrainOptions.Steps.Require(Steps);
        TrainOptions.Rollout.Require(RolloutLength);
        if (Segments is not null) TrainOptions.Segments.RequireChoice(Segments);
        if (LossMask is not null) TrainOptions.LossMask.RequireChoice(LossMask);
        TrainOptions.Batch.Require(BatchSize);
        TrainOptions.ReplayRatio.Require(ReplayRatio);
        TrainOptions.ReplayCapacity.Require(ReplayCapacity);
        foreach (var (option, problem) in TrainOptions.CheckTogether(BatchSize, ReplayRatio, ReplayCapacity))
            throw new ArgumentException($"{option.Flag}: {problem}");
        if (LearningRate is { } lr) TrainOptions.LearningRate.Require(lr);
        if (EntropyCost is { } ec) TrainOptions.EntropyCost.Require(ec);
        if (LogEvery is { } logEvery) TrainOptions.LogEvery.Require(logEvery);
        TrainOptions.CheckpointEvery.Require(CheckpointEvery);
        if (KeepCheckpoints < 1) throw new ArgumentException("--keep-checkpoints must be ≥ 1");
        TrainOptions.TrainLevels.Require(TrainLevels);
        Network.Validate();
        LearnerRules.CheckSpec(Rule);
    }
}

/// <summary>Builds the learner rule named on the command line.</summary>
public static class LearnerRules
{
    /// <summary>A rule the trainer can load: a named one, or npz:PATH of an existing file (a worker resolves meta-network:ID to that).</summary>
    public static RuleReference CheckSpec(string rule)
    {
        if (!RuleReference.TryParse(rule, allowNpz: true, out var reference, out var error))
            throw new ArgumentException($"--rule: {error}");
        if (reference.Kind == RuleKind.MetaNetwork)
            throw new ArgumentException("--rule meta-network:ID is resolved by the platform's workers; on the command line give npz:PATH");
        if (reference.Kind == RuleKind.NpzFile && !File.Exists(reference.Path)) throw new ArgumentException($"--rule {rule}: file not found");
        return reference;
    }

    /// <summary>The network heads a rule needs (without loading its meta-network).</summary>
    public static AgentHeads Heads(string rule, int actions) => rule switch
    {
        "actor-critic" => new ActorCriticRule().Heads(actions),
        "ppo" => new PpoRule().Heads(actions),
        _ => AgentHeads.Disco(actions),
    };

    public static ILearnerRule Create(string rule, Device device, double? entropyCost = null)
    {
        CheckSpec(rule);
        switch (rule)
        {
            case "actor-critic":
                var ac = new ActorCriticHyperParameters();
                return new ActorCriticRule(entropyCost is { } e ? ac with { EntropyCost = e } : ac);
            case "ppo":
                var ppo = new PpoHyperParameters();
                return new PpoRule(entropyCost is { } f ? ppo with { EntropyCost = f } : ppo);
        }
        var path = rule == "disco103"
            ? SharedPaths.Disco103Weights ?? throw new ArgumentException("disco103: shared/weights/disco_103.npz not found (set DISCO_SHARED_DIR)")
            : rule[4..];
        var eta = DiscoMetaParameters.Load(path, device: device);
        return new DiscoLearnerRule(new DiscoUpdateRule(eta), rule);
    }
}
