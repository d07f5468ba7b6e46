using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Checkpoints;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// What a learner step works on: the network, its online and target parameters (flat lists in
/// <see cref="AgentNetwork.Specs"/> order), the optimiser and the learner's RNG. Timings accumulate per phase.
/// </summary>
public sealed class LearnerCore
{
    public required AgentNetwork Network { get; init; }
    /// <summary>Online parameters (leaf tensors with requires_grad; updated in place by the optimiser).</summary>
    public required List<Tensor> Parameters { get; init; }
    public required List<Tensor> TargetParameters { get; init; }
    public required AdamState Optimizer { get; init; }
    public required AdamClipSettings OptimizerSettings { get; init; }
    public required Device Device { get; init; }
    public required LearnerRng Rng { get; init; }
    public required IReadOnlyList<int> ObservationShape { get; init; }
    /// <summary>Leave the loss at episode starts out (the reference agent's mask; <see cref="TrajectoryBatch.LossMask"/>).</summary>
    public bool MaskEpisodeStarts { get; init; }

    private readonly PhaseTimes _times = new("actor", "forward", "rule", "backward");

    /// <summary>Seconds spent per phase: actor, forward (network on the batch), rule (targets), backward (gradients + optimiser).</summary>
    public Dictionary<string, double> Seconds => _times.Seconds;

    public void Time(string phase, Action action) => _times.Time(phase, action);

    public T Time<T>(string phase, Func<T> f) => _times.Time(phase, f);

    /// <summary>Gradients of <paramref name="loss"/> w.r.t. the online parameters, then the Adam+clip step.</summary>
    public void ApplyGradients(Tensor loss, double? maxGlobalNorm = null)
    {
        Time("backward", () =>
        {
            var grads = TorchSharp.torch.autograd.grad([loss], Parameters).ToList();
            if (maxGlobalNorm is { } max)
            {
                using var _ = no_grad();
                double norm = Math.Sqrt(grads.Sum(g => g.square().sum().item<float>()));
                if (norm > max) foreach (var g in grads) g.mul_(max / (norm + 1e-6));
            }
            AdamClip.Step(OptimizerSettings, Parameters, grads, Optimizer);
        });
    }

    /// <summary>Observation tensor [N, H, W, C] from a flat float array of N observations.</summary>
    public Tensor ObservationTensor(float[] data, long n) =>
        tensor(data, [n, ObservationShape[0], ObservationShape[1], ObservationShape[2]]).to(Device);

    public Dictionary<string, NpyArray> SaveParameters(IReadOnlyList<Tensor> ps) =>
        Network.Specs.Select((s, i) => (s.Name, ps[i])).ToDictionary(x => x.Name, x => NpyTensors.FromTensor(x.Item2));

    public static void LoadInto(AgentNetwork network, IReadOnlyList<Tensor> into, IReadOnlyDictionary<string, NpyArray> arrays, string what)
    {
        using var _ = no_grad();
        for (int i = 0; i < network.Specs.Count; i++)
        {
            var spec = network.Specs[i];
            if (!arrays.TryGetValue(spec.Name, out var a)) throw new InvalidDataException($"{what}: missing {spec.Name}");
            if (!a.Shape.SequenceEqual(spec.Shape)) throw new InvalidDataException($"{what}: {spec.Name} has shape [{string.Join(", ", a.Shape)}], expected [{string.Join(", ", spec.Shape)}]");
            using var t = NpyTensors.ToTensor(a);
            into[i].copy_(t);
        }
    }
}

/// <summary>A learning rule driven by the learner loop: the Disco rule (any meta-network) or a hand-written baseline.</summary>
public interface ILearnerRule
{
    string Name { get; }

    /// <summary>The heads this rule needs from the agent network.</summary>
    AgentHeads Heads(int actions);

    /// <summary>False for on-policy rules (PPO): each learner step uses the fresh rollouts only.</summary>
    bool UsesReplay { get; }

    /// <summary>Published defaults of the loop's learning rate for this rule.</summary>
    double DefaultLearningRate { get; }

    /// <summary>Hyperparameters as written in run.json.</summary>
    object HyperParameters { get; }

    /// <summary>Initialises state on the learner's device.</summary>
    void Initialize(LearnerCore core);

    /// <summary>
    /// One learner step on a batch; returns scalar logs (loss first). With <paramref name="withLogs"/> false the
    /// caller will not read them (a step that is not logged) and a rule may return the loss alone.
    /// </summary>
    Dictionary<string, double> Update(LearnerCore core, TrajectoryBatch batch, bool withLogs = true);

    Dictionary<string, NpyArray> SaveState();
    void LoadState(IReadOnlyDictionary<string, NpyArray> arrays, Device device);
}
