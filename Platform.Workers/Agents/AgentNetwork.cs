using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.Agents;

/// <summary>
/// Shape of the agent network. Torso "mlp": flatten, then dense layers (ReLU between, the last one linear, as a
/// Haiku MLP). Torso "conv": 3×3 same-padded convolutions with ReLU (channels in <see cref="Conv"/>), flatten, then the
/// dense layers. The reference demo (Disco103 on Catch/Atari) uses mlp 512-512, model LSTM 128, model heads 128.
/// </summary>
public sealed record AgentNetworkConfig
{
    public string Torso { get; init; } = "mlp";
    public int[] Conv { get; init; } = [];
    public int[] Dense { get; init; } = [512, 512];
    public int ModelLstm { get; init; } = 128;
    public int[] ModelHeadHidden { get; init; } = [128];
    /// <summary>Initial weight scale of the torso's linear heads (logits, y, v); model heads use the Haiku default.</summary>
    public double HeadInitStd { get; init; } = 1e-2;

    public static AgentNetworkConfig Demo => new();
    public static AgentNetworkConfig Small => new() { Dense = [64, 64], ModelLstm = 64, ModelHeadHidden = [64] };
    public static AgentNetworkConfig SmallConv => new() { Torso = "conv", Conv = [16], Dense = [128, 128], ModelLstm = 64, ModelHeadHidden = [64] };
    /// <summary>The reference meta-training colab's agent: mlp 512-512, model LSTM 256, model heads 256.</summary>
    public static AgentNetworkConfig Colab => new() { ModelLstm = 256, ModelHeadHidden = [256] };

    /// <summary>The network a run option names (the choices of the <c>net</c> option in Platform.Data's run-option tables).</summary>
    public static AgentNetworkConfig Named(string name) => name switch
    {
        "demo" => Demo,
        "small" => Small,
        "small-conv" => SmallConv,
        "colab" => Colab,
        _ => throw new ArgumentException($"--net must be demo, small, small-conv or colab, not '{name}'"),
    };

    public void Validate()
    {
        if (Torso is not ("mlp" or "conv")) throw new ArgumentException($"torso must be mlp or conv, not '{Torso}'");
        if (Dense.Length == 0 || Dense.Any(d => d < 1)) throw new ArgumentException("dense layers must be ≥ 1 wide and at least one");
        if (Torso == "conv" && (Conv.Length == 0 || Conv.Any(c => c < 1))) throw new ArgumentException("conv torso needs channels ≥ 1");
        if (ModelLstm < 1 || ModelHeadHidden.Any(h => h < 1)) throw new ArgumentException("model sizes must be ≥ 1");
    }
}

/// <summary>
/// Which outputs a rule needs from the network. Per state: logits[A], y[PredictionSize] when &gt; 0,
/// v[ValueSize] when &gt; 0; through the action-conditional model (when <see cref="Model"/>): z[A, PredictionSize],
/// aux_pi[A, A], q[A, QBins].
/// </summary>
public sealed record AgentHeads(int Actions, int PredictionSize, int ValueSize, bool Model, int QBins)
{
    public static AgentHeads Disco(int actions) => new(actions, 600, 0, true, 601);
    public static AgentHeads ValueOnly(int actions, int valueSize) => new(actions, 0, valueSize, false, 0);
}

/// <summary>Network outputs for N states (leading dimension N). Absent heads are null.</summary>
public sealed record AgentForward(Tensor Logits, Tensor? Y, Tensor? V, Tensor? Z, Tensor? AuxPi, Tensor? Q);

/// <summary>
/// The action model's outputs at one action per state (<see cref="AgentNetwork.ForwardAtActions"/>): z [..., P]
/// (null without y/z heads), aux_pi [..., A], q [..., QBins], with the leading dimensions of the actions they were
/// computed at ([N] from the network; [T+1, B] in <see cref="UpdateRules.AgentOutputs.AtActions"/>).
/// </summary>
public sealed record ModelAtActions(Tensor Actions, Tensor? Z, Tensor AuxPi, Tensor Q);

/// <summary>One named parameter tensor of the flat list.</summary>
public sealed record ParameterSpec(string Name, long[] Shape, double InitStd);

/// <summary>
/// The agent network as a pure function of a flat, ordered parameter list, so that a learner step can be taken
/// functionally (parameters in, new parameters out) for meta-gradients. The action model's LSTM is our own cell
/// (matmuls), so second-order gradients work. Observations are channels-last [N, H, W, C] float32.
/// </summary>
public sealed class AgentNetwork
{
    private readonly int _obsH, _obsW, _obsC;

    public AgentNetworkConfig Config { get; }
    public AgentHeads Heads { get; }
    public IReadOnlyList<ParameterSpec> Specs { get; }

    public AgentNetwork(AgentNetworkConfig config, AgentHeads heads, int[] observationShape)
    {
        config.Validate();
        if (observationShape.Length != 3) throw new ArgumentException("observation shape must be [H, W, C]");
        Config = config;
        Heads = heads;
        (_obsH, _obsW, _obsC) = (observationShape[0], observationShape[1], observationShape[2]);
        Specs = BuildSpecs();
    }

    private List<ParameterSpec> BuildSpecs()
    {
        var specs = new List<ParameterSpec>();
        void Linear(string name, long fanIn, long fanOut, double? std = null)
        {
            specs.Add(new ParameterSpec($"{name}/w", [fanIn, fanOut], std ?? 1 / Math.Sqrt(fanIn)));
            specs.Add(new ParameterSpec($"{name}/b", [fanOut], 0));
        }
        long width;
        if (Config.Torso == "conv")
        {
            long inC = _obsC;
            for (int i = 0; i < Config.Conv.Length; i++)
            {
                long fanIn = inC * 9;
                specs.Add(new ParameterSpec($"torso/conv_{i}/w", [Config.Conv[i], inC, 3, 3], 1 / Math.Sqrt(fanIn)));
                specs.Add(new ParameterSpec($"torso/conv_{i}/b", [Config.Conv[i]], 0));
                inC = Config.Conv[i];
            }
            width = inC * _obsH * _obsW;
        }
        else width = (long)_obsH * _obsW * _obsC;
        for (int i = 0; i < Config.Dense.Length; i++)
        {
            Linear($"torso/linear_{i}", width, Config.Dense[i]);
            width = Config.Dense[i];
        }
        Linear("head/logits", width, Heads.Actions, Config.HeadInitStd);
        if (Heads.PredictionSize > 0) Linear("head/y", width, Heads.PredictionSize, Config.HeadInitStd);
        if (Heads.ValueSize > 0) Linear("head/v", width, Heads.ValueSize, Config.HeadInitStd);
        if (Heads.Model)
        {
            long h = Config.ModelLstm;
            Linear("model/root", width, h);
            Linear("model/lstm", Heads.Actions + h, 4 * h);
            foreach (var (name, size) in ModelOutputs())
            {
                long inW = h;
                for (int j = 0; j < Config.ModelHeadHidden.Length; j++)
                {
                    Linear($"model/{name}/linear_{j}", inW, Config.ModelHeadHidden[j]);
                    inW = Config.ModelHeadHidden[j];
                }
                Linear($"model/{name}/linear_{Config.ModelHeadHidden.Length}", inW, size);
            }
        }
        return specs;
    }

    private IEnumerable<(string Name, long Size)> ModelOutputs()
    {
        if (Heads.PredictionSize > 0) yield return ("z", Heads.PredictionSize);
        yield return ("aux_pi", Heads.Actions);
        yield return ("q", Heads.QBins);
    }

    /// <summary>Fresh parameters: weights truncated normal (±2σ) with σ = 1/√fan_in (heads: HeadInitStd), biases 0.</summary>
    public List<Tensor> Initialize(long seed, Device? device = null)
    {
        var generator = new Generator((ulong)seed);
        var result = new List<Tensor>();
        using var _ = no_grad();
        foreach (var spec in Specs)
        {
            var t = spec.InitStd > 0 ? TensorInit.TruncatedNormal(spec.Shape, spec.InitStd, generator) : zeros(spec.Shape, dtype: float32);
            result.Add(device is null ? t : t.to(device));
        }
        return result;
    }

    /// <summary>Checks a parameter list against <see cref="Specs"/> (a shape error inside libtorch aborts the process).</summary>
    public void Validate(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count != Specs.Count) throw new ArgumentException($"expected {Specs.Count} parameters, got {parameters.Count}");
        for (int i = 0; i < Specs.Count; i++)
            if (!parameters[i].shape.SequenceEqual(Specs[i].Shape))
                throw new ArgumentException($"parameter {Specs[i].Name}: expected [{string.Join(", ", Specs[i].Shape)}], got [{string.Join(", ", parameters[i].shape)}]");
    }

    /// <summary>The torso embedding [N, D] of observations [N, H, W, C].</summary>
    private Tensor Torso(IReadOnlyList<Tensor> p, Tensor obs, ref int k)
    {
        long n = obs.shape[0];
        Tensor x;
        if (Config.Torso == "conv")
        {
            x = obs.permute(0, 3, 1, 2);
            for (int i = 0; i < Config.Conv.Length; i++)
            {
                x = nn.functional.conv2d(x, p[k], p[k + 1], padding: [1, 1]).relu();
                k += 2;
            }
            x = x.reshape(n, -1);
        }
        else x = obs.reshape(n, -1);
        for (int i = 0; i < Config.Dense.Length; i++)
        {
            x = x.matmul(p[k]).Plus(p[k + 1]);
            k += 2;
            if (i < Config.Dense.Length - 1) x = x.relu();
        }
        return x;
    }

    private void CheckObservations(Tensor obs)
    {
        if (obs.dim() != 4 || obs.shape[1] != _obsH || obs.shape[2] != _obsW || obs.shape[3] != _obsC)
            throw new ArgumentException($"observations must be [N, {_obsH}, {_obsW}, {_obsC}], got [{string.Join(", ", obs.shape)}]");
    }

    /// <summary>Policy logits only [N, A] (what an actor needs).</summary>
    public Tensor Logits(IReadOnlyList<Tensor> p, Tensor obs)
    {
        CheckObservations(obs);
        int k = 0;
        var torso = Torso(p, obs, ref k);
        return torso.matmul(p[k]).Plus(p[k + 1]);
    }

    /// <summary>Every head for observations [N, H, W, C].</summary>
    public AgentForward Forward(IReadOnlyList<Tensor> p, Tensor obs)
    {
        CheckObservations(obs);
        long n = obs.shape[0];
        var (logits, y, v, cell, k) = TorsoHeads(p, obs);
        if (cell is null) return new AgentForward(logits, y, v, null, null, null);

        // Action-conditional model: root (cell = linear(torso), hidden = tanh(cell)), one LSTM step per action
        // with the one-hot action as input; Haiku gate order (i, g, f, o) and +1 on the forget gate.
        int a = Heads.Actions;
        var oneHot = eye(a, dtype: obs.dtype, device: obs.device).repeat(n, 1);   // [N·A, A]
        var (z, auxPi, q) = Model(p, k, cell.repeat_interleave(a, 0), oneHot);      // [N·A, ...]
        return new AgentForward(logits, y, v, z?.reshape(n, a, -1), auxPi.reshape(n, a, a), q.reshape(n, a, -1));
    }

    /// <summary>
    /// The learner's forward (issue #15): every head for every action, and the action model once more at one given
    /// action per state (<paramref name="actions"/> [N], int64). Only the torso heads (logits, y, v) and the outputs at
    /// the given actions carry gradient; the all-action model outputs are constants. A rule reads every action's
    /// z, aux_pi and q as constants but its losses differentiate only the taken action's, so backward runs the action
    /// model on N rows instead of N·A (A times less of its work). Values equal <see cref="Forward"/>'s.
    /// </summary>
    public (AgentForward All, ModelAtActions AtActions) ForwardAtActions(IReadOnlyList<Tensor> p, Tensor obs, Tensor actions)
    {
        if (!Heads.Model) throw new InvalidOperationException("the network has no action model");
        CheckObservations(obs);
        long n = obs.shape[0];
        if (actions.dim() != 1 || actions.shape[0] != n || actions.dtype != ScalarType.Int64)
            throw new ArgumentException($"actions must be int64 [{n}], got {actions.dtype} [{string.Join(", ", actions.shape)}]");
        var (logits, y, v, root, k) = TorsoHeads(p, obs);
        var cell = root!;                                                          // [N, H]
        int a = Heads.Actions;
        Tensor? z, auxPi, q;
        using (no_grad())
        {
            var oneHot = eye(a, dtype: obs.dtype, device: obs.device).repeat(n, 1);   // [N·A, A]
            (z, auxPi, q) = Model(p, k, cell.detach().repeat_interleave(a, 0), oneHot);
        }
        var (zAt, auxPiAt, qAt) = Model(p, k, cell, nn.functional.one_hot(actions, a).to(obs.dtype));  // [N, ...]
        var all = new AgentForward(logits, y, v, z?.reshape(n, a, -1), auxPi.reshape(n, a, a), q.reshape(n, a, -1));
        return (all, new ModelAtActions(actions, zAt, auxPiAt, qAt));
    }

    /// <summary>
    /// The torso and its linear heads: logits [N, A], y [N, P] and v [N, V] when the network has them, and the action
    /// model's root cell [N, H] (null without a model); <c>K</c> indexes the parameters that follow (the model's LSTM).
    /// </summary>
    private (Tensor Logits, Tensor? Y, Tensor? V, Tensor? Cell, int K) TorsoHeads(IReadOnlyList<Tensor> p, Tensor obs)
    {
        int k = 0;
        var torso = Torso(p, obs, ref k);
        Tensor Lin(Tensor x) { var r = x.matmul(p[k]).Plus(p[k + 1]); k += 2; return r; }
        var logits = Lin(torso);
        Tensor? y = Heads.PredictionSize > 0 ? Lin(torso) : null;
        Tensor? v = Heads.ValueSize > 0 ? Lin(torso) : null;
        Tensor? cell = Heads.Model ? Lin(torso) : null;
        return (logits, y, v, cell, k);
    }

    /// <summary>
    /// One LSTM step of the action model from the root cell [M, H] with action inputs [M, A], then the z, aux_pi and
    /// q heads [M, size]; <paramref name="k"/> indexes the LSTM's parameters (the root's follow the torso heads).
    /// </summary>
    private (Tensor? Z, Tensor AuxPi, Tensor Q) Model(IReadOnlyList<Tensor> p, int k, Tensor cell, Tensor actionInputs)
    {
        long h = Config.ModelLstm;
        var hidden = cell.tanh();
        var gates = cat([actionInputs, hidden], 1).matmul(p[k]).Plus(p[k + 1]);     // [M, 4H]
        k += 2;
        var parts = gates.split(h, 1);
        var newCell = (parts[2] + 1).sigmoid() * cell + parts[0].sigmoid() * parts[1].tanh();
        var output = parts[3].sigmoid() * newCell.tanh();                          // [M, H]

        Tensor Lin(Tensor x) { var r = x.matmul(p[k]).Plus(p[k + 1]); k += 2; return r; }
        Tensor Head()
        {
            var x = output;
            for (int j = 0; j < Config.ModelHeadHidden.Length; j++) x = Lin(x).relu();
            return Lin(x);
        }
        Tensor? z = Heads.PredictionSize > 0 ? Head() : null;
        var auxPi = Head();
        var q = Head();
        return (z, auxPi, q);
    }

    public long ParameterCount => Specs.Sum(s => s.Shape.Aggregate(1L, (x, y) => x * y));
}
