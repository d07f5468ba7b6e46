using Platform.Workers.Agents;
using Platform.Workers.Environments;

namespace Platform.Workers.MetaTraining;

/// <summary>
/// Everything a meta-training run needs, with the reference meta-training colab's defaults (Catch, 2 agents,
/// rollouts of 16 steps, 2 inner steps, 32 environments per agent, inner and meta learning rate 5e-4, validation
/// rollouts twice as long as training ones). Serialised into DIR/run.json so that --resume needs nothing else.
/// </summary>
public sealed record MetaTrainConfig
{
    /// <summary>Environments of the population; agent i trains on Envs[i mod count].</summary>
    public string[] Envs { get; init; } = ["catch/5x5"];
    /// <summary>Initial meta-network: random (Haiku-style initialisation from the seed), disco103, or npz:PATH.</summary>
    public string Init { get; init; } = "random";
    public long MetaSteps { get; init; } = 800;
    public long Seed { get; init; }
    public int Agents { get; init; } = 2;
    /// <summary>K: inner learner steps per meta-gradient, each on a fresh rollout; the graph is kept through all K.</summary>
    public int InnerSteps { get; init; } = 2;
    public int RolloutLength { get; init; } = 16;
    /// <summary>Environments per agent (trajectories per inner step).</summary>
    public int BatchSize { get; init; } = 32;
    public double InnerLearningRate { get; init; } = 5e-4;
    public double MetaLearningRate { get; init; } = 5e-4;
    /// <summary>
    /// When &gt; 0, each agent's meta-gradient is scaled down to at most this global norm before the average (not in the
    /// reference). A fresh agent's first Adam step divides by |g| and gives meta-gradients hundreds of times larger than
    /// later ones; unclipped, they dominate the meta-optimiser's second moment for about a thousand meta steps.
    /// </summary>
    public double MetaGradClip { get; init; }
    /// <summary>Inner learner steps after which an agent is replaced by a fresh one (0: agents live for the whole run).</summary>
    public long Lifetime { get; init; }
    public AgentNetworkConfig Network { get; init; } = AgentNetworkConfig.Small;
    public MetaValueSettings Value { get; init; } = new();
    public MetaLossSettings Loss { get; init; } = new();
    public string Device { get; init; } = "cpu";
    public int LogEvery { get; init; } = 1;
    /// <summary>Meta steps between checkpoints (meta-network in the Disco103 layout + everything needed to resume).</summary>
    public long CheckpointEvery { get; init; } = 50;

    public void Validate()
    {
        if (Envs.Length == 0) throw new ArgumentException("--envs needs at least one environment");
        foreach (var e in Envs)
            if (!EnvironmentRegistry.Contains(e)) throw new ArgumentException($"--envs: unknown environment '{e}' (see the envs verb)");
        if (Init is not ("random" or "disco103") && !(Init.StartsWith("npz:", StringComparison.Ordinal) && Init.Length > 4))
            throw new ArgumentException($"--init must be random, disco103 or npz:PATH, not '{Init}'");
        if (Init.StartsWith("npz:", StringComparison.Ordinal) && !File.Exists(Init[4..])) throw new ArgumentException($"--init {Init}: file not found");
        if (MetaSteps < 1) throw new ArgumentException("--meta-steps must be ≥ 1");
        if (Agents is < 1 or > 256) throw new ArgumentException("--agents must be in 1..256");
        if (InnerSteps is < 1 or > 64) throw new ArgumentException("--inner-steps must be in 1..64");
        if (RolloutLength is < 1 or > 1000) throw new ArgumentException("--rollout must be in 1..1000");
        if (BatchSize is < 1 or > 4096) throw new ArgumentException("--batch must be in 1..4096");
        if (!(InnerLearningRate > 0 && InnerLearningRate < 1)) throw new ArgumentException("--inner-lr must be in (0, 1)");
        if (!(MetaLearningRate > 0 && MetaLearningRate < 1)) throw new ArgumentException("--meta-lr must be in (0, 1)");
        if (!(MetaGradClip >= 0) || double.IsInfinity(MetaGradClip)) throw new ArgumentException("--meta-grad-clip must be ≥ 0 (0: no clipping)");
        foreach (var (name, cost) in new[] { ("--entropy-cost", Loss.EntropyCost), ("--prediction-entropy-cost", Loss.PredictionEntropyCost),
                                             ("--output-mean-cost", Loss.OutputMeanCost), ("--target-kl-cost", Loss.TargetKlCost) })
            if (!(cost >= 0) || double.IsInfinity(cost)) throw new ArgumentException($"{name} must be a finite number ≥ 0");
        if (Lifetime < 0) throw new ArgumentException("--lifetime must be ≥ 0");
        if (LogEvery < 1) throw new ArgumentException("--log-every must be ≥ 1");
        if (CheckpointEvery < 1) throw new ArgumentException("--checkpoint-every must be ≥ 1");
        Network.Validate();
    }
}
