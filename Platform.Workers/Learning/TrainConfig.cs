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
/// 29). PPO runs BatchSize actor environments and learns from their fresh rollouts.
/// </summary>
public sealed record TrainConfig
{
    public required string Env { get; init; }
    public string Rule { get; init; } = "disco103";
    public long Steps { get; init; } = 100_000;
    public long Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public int RolloutLength { get; init; } = 29;
    public int BatchSize { get; init; } = 64;
    public int ReplayRatio { get; init; } = 32;
    public int ReplayCapacity { get; init; } = 1024;
    /// <summary>Null: the rule's published default.</summary>
    public double? LearningRate { get; init; }
    public double MaxAbsUpdate { get; init; } = 1.0;
    public AgentNetworkConfig Network { get; init; } = AgentNetworkConfig.Demo;
    /// <summary>Log a metrics line every this many learner iterations.</summary>
    public int LogEvery { get; init; } = 10;
    /// <summary>Write a checkpoint every this many environment steps (0: only at the end).</summary>
    public long CheckpointEvery { get; init; }
    public int KeepCheckpoints { get; init; } = 3;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Env)) throw new ArgumentException("--env is required");
        Environments.EnvironmentRegistry.Get(Env);
        if (Steps < 1) throw new ArgumentException("--steps must be ≥ 1");
        if (RolloutLength < 2) throw new ArgumentException("--rollout must be ≥ 2");
        if (BatchSize < 1) throw new ArgumentException("--batch must be ≥ 1");
        if (ReplayRatio < 1 || ReplayRatio > BatchSize) throw new ArgumentException("--replay-ratio must be in [1, batch]");
        if (ReplayCapacity < BatchSize) throw new ArgumentException("--replay-capacity must be ≥ batch");
        if (LearningRate is { } lr && !(lr > 0 && lr < 10)) throw new ArgumentException("--lr must be in (0, 10)");
        if (LogEvery < 1) throw new ArgumentException("--log-every must be ≥ 1");
        if (CheckpointEvery < 0) throw new ArgumentException("--checkpoint-every must be ≥ 0");
        if (KeepCheckpoints < 1) throw new ArgumentException("--keep-checkpoints must be ≥ 1");
        Network.Validate();
        LearnerRules.CheckSpec(Rule);
    }
}

/// <summary>Builds the learner rule named on the command line.</summary>
public static class LearnerRules
{
    public static readonly string[] Names = ["disco103", "actor-critic", "ppo", "npz:PATH"];

    public static void CheckSpec(string rule)
    {
        if (rule is "disco103" or "actor-critic" or "ppo") return;
        if (rule.StartsWith("npz:", StringComparison.Ordinal) && rule.Length > 4)
        {
            if (!File.Exists(rule[4..])) throw new ArgumentException($"--rule {rule}: file not found");
            return;
        }
        throw new ArgumentException($"--rule must be one of {string.Join(", ", Names)}, not '{rule}'");
    }

    public static ILearnerRule Create(string rule, Device device)
    {
        CheckSpec(rule);
        switch (rule)
        {
            case "actor-critic": return new ActorCriticRule();
            case "ppo": return new PpoRule();
        }
        var path = rule == "disco103"
            ? SharedPaths.Disco103Weights ?? throw new ArgumentException("disco103: shared/weights/disco_103.npz not found (set DISCO_SHARED_DIR)")
            : rule[4..];
        var eta = DiscoMetaParameters.Load(path, device: device);
        return new DiscoLearnerRule(new DiscoUpdateRule(eta), rule);
    }
}
