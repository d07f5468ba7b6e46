using Platform.Data.Runs;
using Platform.Workers.Agents;
using Platform.Workers.Environments;

namespace Platform.Workers.MetaTraining;

/// <summary>
/// Everything a meta-training run needs, with the reference meta-training colab's defaults (Catch, 2 agents,
/// rollouts of 16 steps, 2 inner steps, 32 environments per agent, inner and meta learning rate 5e-4, validation
/// rollouts twice as long as training ones), from the meta-train option table (<see cref="MetaTrainOptions"/>) the CLI and the
/// API share. Serialised into DIR/run.json so that --resume needs nothing else.
/// </summary>
public sealed record MetaTrainConfig
{
    /// <summary>Environments of the population; agent i trains on Envs[i mod count].</summary>
    public string[] Envs { get; init; } = ["catch/5x5"];
    /// <summary>Initial meta-network: random (Haiku-style initialisation from the seed), disco103, or npz:PATH.</summary>
    public string Init { get; init; } = "random";
    public long MetaSteps { get; init; } = MetaTrainOptions.MetaSteps.LongDefault;
    public long Seed { get; init; }
    public int Agents { get; init; } = MetaTrainOptions.Agents.IntDefault;
    /// <summary>K: inner learner steps per meta-gradient, each on a fresh rollout; the graph is kept through all K.</summary>
    public int InnerSteps { get; init; } = MetaTrainOptions.InnerSteps.IntDefault;
    /// <summary>States per training rollout (validation rollouts have twice as many).</summary>
    public int RolloutLength { get; init; } = MetaTrainOptions.Rollout.IntDefault;
    /// <summary>reference | overlapping (<see cref="MetaTrainOptions.Segments"/>); null: run.json from before the option, overlapping.</summary>
    public string? Segments { get; init; }
    /// <summary>episode-starts | none (<see cref="MetaTrainOptions.LossMask"/>) for the inner learner's loss; null: run.json from before the option, none.</summary>
    public string? LossMask { get; init; }

    /// <summary>Transitions in a rollout of <paramref name="states"/> states: one fewer under the reference's segmentation.</summary>
    public int TransitionsOf(int states) => StepsPastRolloutEnd ? states - 1 : states;
    [System.Text.Json.Serialization.JsonIgnore]
    public bool StepsPastRolloutEnd => Segments == TrainOptions.ReferenceSegments;
    [System.Text.Json.Serialization.JsonIgnore]
    public bool MasksEpisodeStarts => LossMask == TrainOptions.MaskEpisodeStarts;
    /// <summary>Environments per agent (trajectories per inner step).</summary>
    public int BatchSize { get; init; } = MetaTrainOptions.Batch.IntDefault;
    public double InnerLearningRate { get; init; } = MetaTrainOptions.InnerLearningRate.DoubleDefault;
    public double MetaLearningRate { get; init; } = MetaTrainOptions.MetaLearningRate.DoubleDefault;
    /// <summary>
    /// When &gt; 0, each agent's meta-gradient is scaled down to at most this global norm before the average (not in the
    /// reference). A fresh agent's first Adam step divides by |g| and gives meta-gradients hundreds of times larger than
    /// later ones; unclipped, they dominate the meta-optimiser's second moment for about a thousand meta steps.
    /// </summary>
    public double MetaGradClip { get; init; }
    /// <summary>Inner learner steps after which an agent is replaced by a fresh one (0: agents live for the whole run).</summary>
    public long Lifetime { get; init; }
    /// <summary>
    /// With <see cref="Init"/> random: the starting bias of the ReLU units on π̂'s per-action pathway (0: Haiku's, as the
    /// reference). Zero biases leave that pathway nearly or wholly off at the start (docs/LEARNING.md, issue #18).
    /// </summary>
    public double InitActionBias { get; init; } = MetaTrainOptions.InitActionBias.DoubleDefault;
    /// <summary>
    /// The meta learning rate of π̂'s per-action pathway (<see cref="Platform.Data.MetaNetworks.DiscoArchitecture.PolicyActionPathway"/>)
    /// relative to the rest of η (1: one learning rate, as the reference).
    /// </summary>
    public double ActionPathwayLrScale { get; init; } = MetaTrainOptions.ActionPathwayLrScale.DoubleDefault;
    /// <summary>Adam's ε in the meta-update of π̂'s per-action pathway (the rest of η: optax's 1e-8).</summary>
    public double ActionPathwayAdamEps { get; init; } = MetaTrainOptions.ActionPathwayAdamEps.DoubleDefault;
    /// <summary>Meta-steps over which the meta learning rate rises linearly to its value (0: none, as the reference).</summary>
    public long MetaLrWarmup { get; init; } = MetaTrainOptions.MetaLrWarmup.LongDefault;
    /// <summary>Every this many meta-steps, log which meta-loss term makes the meta-gradient on π̂'s pathway (0: never).</summary>
    public long PathwayAttributionEvery { get; init; } = MetaTrainOptions.PathwayAttributionEvery.LongDefault;
    public AgentNetworkConfig Network { get; init; } = AgentNetworkConfig.Colab;
    public MetaValueSettings Value { get; init; } = new();
    public MetaLossSettings Loss { get; init; } = new();
    public string Device { get; init; } = "cpu";
    public int LogEvery { get; init; } = 1;
    /// <summary>Meta steps between checkpoints (meta-network in the Disco103 layout + everything needed to resume).</summary>
    public long CheckpointEvery { get; init; } = MetaTrainOptions.CheckpointEvery.LongDefault;
    /// <summary>Meta-validation every this many meta-steps (0: none); <see cref="MetaValidation"/>.</summary>
    public long ValidateEvery { get; init; } = MetaTrainOptions.ValidateEvery.LongDefault;
    public int ValidationAgents { get; init; } = MetaTrainOptions.ValidationAgents.IntDefault;
    public long ValidationSteps { get; init; } = MetaTrainOptions.ValidationSteps.LongDefault;

    public void Validate()
    {
        if (Envs.Length == 0) throw new ArgumentException("--envs needs at least one environment");
        foreach (var e in Envs)
            if (!EnvironmentRegistry.Contains(e)) throw new ArgumentException($"--envs: unknown environment '{e}' (see the envs verb)");
        if (Init is not ("random" or "disco103") && !(Init.StartsWith("npz:", StringComparison.Ordinal) && Init.Length > 4))
            throw new ArgumentException($"--init must be random, disco103 or npz:PATH, not '{Init}'");
        if (Init.StartsWith("npz:", StringComparison.Ordinal) && !File.Exists(Init[4..])) throw new ArgumentException($"--init {Init}: file not found");
        MetaTrainOptions.MetaSteps.Require(MetaSteps);
        MetaTrainOptions.Agents.Require(Agents);
        MetaTrainOptions.InnerSteps.Require(InnerSteps);
        MetaTrainOptions.Rollout.Require(RolloutLength);
        if (Segments is not null) MetaTrainOptions.Segments.RequireChoice(Segments);
        if (LossMask is not null) MetaTrainOptions.LossMask.RequireChoice(LossMask);
        MetaTrainOptions.Batch.Require(BatchSize);
        MetaTrainOptions.InnerLearningRate.Require(InnerLearningRate);
        MetaTrainOptions.MetaLearningRate.Require(MetaLearningRate);
        MetaTrainOptions.MetaGradClip.Require(MetaGradClip);
        MetaTrainOptions.ValidateEvery.Require(ValidateEvery);
        MetaTrainOptions.ValidationAgents.Require(ValidationAgents);
        MetaTrainOptions.ValidationSteps.Require(ValidationSteps);
        MetaTrainOptions.EntropyCost.Require(Loss.EntropyCost);
        MetaTrainOptions.PredictionEntropyCost.Require(Loss.PredictionEntropyCost);
        MetaTrainOptions.OutputMeanCost.Require(Loss.OutputMeanCost);
        MetaTrainOptions.TargetKlCost.Require(Loss.TargetKlCost);
        MetaTrainOptions.Lifetime.Require(Lifetime);
        MetaTrainOptions.InitActionBias.Require(InitActionBias);
        MetaTrainOptions.ActionPathwayLrScale.Require(ActionPathwayLrScale);
        MetaTrainOptions.ActionPathwayAdamEps.Require(ActionPathwayAdamEps);
        MetaTrainOptions.PathwayAttributionEvery.Require(PathwayAttributionEvery);
        MetaTrainOptions.MetaLrWarmup.Require(MetaLrWarmup);
        if (InitActionBias != 0 && Init != "random") throw new ArgumentException("--init-action-bias applies to --init random only");
        if (LogEvery < 1) throw new ArgumentException("--log-every must be ≥ 1");
        MetaTrainOptions.CheckpointEvery.Require(CheckpointEvery);
        Network.Validate();
    }
}
