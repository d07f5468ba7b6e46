using Platform.Workers.Agents;
using Platform.Workers.Learning;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.ActorCritic;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;

namespace Platform.Workers.MetaTraining;

/// <summary>
/// The separately trained value function of meta-training (reference `ValueFnConfig` of the meta-training colab):
/// an MLP 256-256 with a scalar head read in signed-hyperbolic space, V-trace with discount 0.99 and λ 0.96,
/// Adam (stop-gradient denominator) with updates clipped to ±1 at learning rate 1e-3, EMAs (decay 0.99) that
/// normalise advantages and TD errors. It only supplies the meta-loss's advantages; no meta-gradient flows into it.
/// </summary>
public sealed record MetaValueSettings(
    int[]? Dense = null,
    double LearningRate = 1e-3,
    double MaxAbsUpdate = 1.0,
    double Discount = 0.99,
    double TdLambda = 0.96,
    double EmaDecay = 0.99,
    double EmaEps = 1e-6)
{
    public int[] Layers => Dense ?? [256, 256];
}

/// <summary>V-trace estimates on one rollout: values v [T+1, B], advantages and TD errors [T, B], raw and normalised.</summary>
public sealed record MetaValueOutputs(Tensor Values, Tensor Advantages, Tensor NormalizedAdvantages, Tensor Td, Tensor NormalizedTd,
    EmaState AdvEma, EmaState TdEma);

/// <summary>One agent's value function: parameters, optimiser moments and the two EMAs (all detached).</summary>
public sealed class MetaValueFunction
{
    private readonly MovingAverage _ema;

    public MetaValueFunction(MetaValueSettings settings, int actions, int[] observationShape, long seed, Device device)
    {
        Settings = settings;
        Network = new AgentNetwork(new AgentNetworkConfig { Dense = settings.Layers, ModelLstm = 1, ModelHeadHidden = [] },
            AgentHeads.ValueOnly(actions, 1), observationShape);
        Parameters = Network.Initialize(seed, device);
        Optimizer = AdamState.Zeros(Parameters);
        _ema = new MovingAverage(settings.EmaDecay, settings.EmaEps);
        AdvEma = EmaState.Initial(device);
        TdEma = EmaState.Initial(device);
    }

    public MetaValueSettings Settings { get; }
    public AgentNetwork Network { get; }
    public List<Tensor> Parameters { get; }
    public AdamState Optimizer { get; }
    public EmaState AdvEma { get; private set; }
    public EmaState TdEma { get; private set; }

    /// <summary>
    /// Values and V-trace estimates on a rollout whose importance weights compare the agent's current policy
    /// <paramref name="piLogits"/> [T+1, B, A] with the behaviour logits. The returned EMAs include this rollout
    /// (they are updated before normalising); the caller decides whether to keep them.
    /// </summary>
    public MetaValueOutputs Evaluate(RolloutTensors r, Tensor piLogits) => Estimate(r, piLogits, Head(Parameters, r));

    /// <summary>The value head on every state of a rollout, [T+1, B], in signed-hyperbolic space.</summary>
    private Tensor Head(IReadOnlyList<Tensor> parameters, RolloutTensors r)
    {
        long t1 = r.T + 1, b = r.B;
        var obs = r.Observations.reshape([t1 * b, .. r.Observations.shape[2..]]);
        return Network.Forward(parameters, obs).V!.reshape(t1, b);
    }

    /// <summary><see cref="Evaluate"/> from the value head's outputs <paramref name="raw"/> [T+1, B] (read without gradient).</summary>
    private MetaValueOutputs Estimate(RolloutTensors r, Tensor piLogits, Tensor raw)
    {
        using var _ = no_grad();
        var v = SignedParabolic(raw.detach().to(float64));
        var actions = DropLast(r.Actions).to(int64);
        var logPi = SelectAction(DropLast(piLogits.detach()).log_softmax(-1).unsqueeze(-1), actions).squeeze(-1);
        var logMu = SelectAction(DropLast(r.BehaviourLogits).log_softmax(-1).unsqueeze(-1), actions).squeeze(-1);
        var rho = (logPi - logMu).to(float64).exp();
        var discounts = (1 - r.IsTerminal.to(float64)) * Settings.Discount;
        var (targets, pgAdvantages) = ActorCriticRule.Vtrace(v, r.Rewards.to(float64), discounts, rho, Settings.TdLambda);
        // V-trace in float64; the estimates and the EMAs in the rollout's dtype (float32), as everywhere else.
        var dtype = r.Rewards.dtype;
        var adv = pgAdvantages.to(dtype);
        var td = (targets - DropLast(v)).to(dtype);
        var advEma = _ema.Update(AdvEma, adv);
        var tdEma = _ema.Update(TdEma, td);
        return new MetaValueOutputs(v.to(dtype), adv, _ema.Normalize(advEma, adv), td, _ema.Normalize(tdEma, td, subtractMean: false), advEma, tdEma);
    }

    /// <summary>
    /// One value update on a training rollout: loss ½(v − sg(v + normalised TD))² on the raw head (gradient −TD),
    /// averaged over [T, B], then Adam + clip; the EMAs keep this rollout.
    /// </summary>
    public double Update(RolloutTensors r, Tensor piLogits)
    {
        using var scope = NewDisposeScope();
        var live = Parameters.Select(p => p.detach().requires_grad_(true)).ToList();
        var head = Head(live, r);                                                          // [T+1, B], one forward for both
        var outputs = Estimate(r, piLogits, head);
        var raw = DropLast(head);
        var target = (raw + outputs.NormalizedTd).detach();
        var loss = (0.5 * (raw - target).square()).mean();
        // The network's policy head is unused here (no gradient): it gets zeros.
        var grads = autograd.grad([loss], live, allow_unused: true)
            .Select((g, i) => g is { } x && !x.IsInvalid ? x : zeros_like(live[i])).ToList();
        AdamClip.Step(new AdamClipSettings(Settings.LearningRate, MaxAbsUpdate: Settings.MaxAbsUpdate), Parameters, grads, Optimizer);
        Restore(outputs.AdvEma.Detach(), outputs.TdEma.Detach());
        return loss.to(float64).item<double>();
    }

    /// <summary>Replaces the EMAs (kept beyond any dispose scope; the previous ones are freed).</summary>
    public void Restore(EmaState adv, EmaState td)
    {
        var old = new[] { AdvEma, TdEma };
        foreach (var t in Tensors(adv).Concat(Tensors(td))) t.DetachFromDisposeScope();
        (AdvEma, TdEma) = (adv, td);
        foreach (var t in old.SelectMany(Tensors)) t.Dispose();
    }

    private static IEnumerable<Tensor> Tensors(EmaState s) => [s.Moment1, s.Moment2, s.DecayProduct];
}
