using Platform.Data.MetaNetworks;
using TorchSharp;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;

namespace Platform.Workers.UpdateRules.Disco;

/// <summary>Loss weights and value-function settings of the Disco103 rule (reference `get_settings_disco`).</summary>
public sealed record DiscoHyperParameters(
    double PiCost = 1.0,
    double YCost = 1.0,
    double ZCost = 1.0,
    double AuxPolicyCost = 1.0,
    double ValueCost = 0.2,
    double TargetParamsCoeff = 0.9,
    QValueSettings? Value = null)
{
    public QValueSettings ValueSettings => Value ?? new QValueSettings();
}

/// <summary>
/// The rule's state carried across learner steps: the lifetime meta-RNN's (hidden, cell) [H_meta]
/// and the advantage and TD moving averages. (The target network's parameters, the rest of the
/// reference's meta-state, are held by the learner and moved by <see cref="TargetParameters"/>.)
/// </summary>
public sealed record DiscoRuleState(Tensor MetaHidden, Tensor MetaCell, EmaState AdvEma, EmaState TdEma)
{
    public static DiscoRuleState Initial(DiscoArchitecture architecture, Device? device = null,
        ScalarType dtype = ScalarType.Float32) => new(
        zeros(architecture.MetaHiddenSize, dtype: dtype, device: device),
        zeros(architecture.MetaHiddenSize, dtype: dtype, device: device),
        EmaState.Initial(device, dtype), EmaState.Initial(device, dtype));

    /// <summary>The same state with no autograd history (what carries across learner steps).</summary>
    public DiscoRuleState Detach() => new(MetaHidden.detach(), MetaCell.detach(), AdvEma.Detach(), TdEma.Detach());

    /// <summary>Every tensor of the state (e.g. to move it out of a dispose scope).</summary>
    public IEnumerable<Tensor> Tensors => [MetaHidden, MetaCell, AdvEma.Moment1, AdvEma.Moment2, AdvEma.DecayProduct,
        TdEma.Moment1, TdEma.Moment2, TdEma.DecayProduct];
}

/// <summary>Everything one application of the rule produces.</summary>
public sealed record DiscoRuleOutputs(MetaNetOutputs Meta, QValueOutputs Values, DiscoRuleState NewState);

/// <summary>
/// Per-step losses [T, B] and scalar logs of one loss term. The logs are computed when first read (a learner reads
/// them only on the steps it logs: they cost about as much as the losses); read them inside the losses' dispose scope.
/// </summary>
public sealed record LossTerms(Tensor PerStep, Lazy<IReadOnlyDictionary<string, Tensor>> LazyLog)
{
    public IReadOnlyDictionary<string, Tensor> Log => LazyLog.Value;
}

/// <summary>
/// The Disco update rule: given a rollout and the agent's predictions, the frozen (or
/// meta-trained) meta-network emits targets π̂, ŷ, ẑ; the agent minimises KL divergences to them,
/// plus a categorical Q loss toward Retrace targets. Pure functions of (η, inputs, state).
/// </summary>
public sealed class DiscoUpdateRule(DiscoMetaParameters eta, DiscoHyperParameters? hyperParameters = null)
{
    public DiscoMetaParameters Eta { get; } = eta;
    public DiscoHyperParameters HyperParameters { get; } = hyperParameters ?? new DiscoHyperParameters();

    public DiscoRuleState InitialState() => DiscoRuleState.Initial(Eta.Architecture, Eta.Device, Eta.DType);

    /// <summary>
    /// Applies the rule to a rollout: value function, then meta-network, then the state update.
    /// Gradients flow into η (and into the agent's y and z) unless the caller disables them.
    /// </summary>
    public DiscoRuleOutputs Apply(RuleInputs inputs, DiscoRuleState state)
    {
        var settings = HyperParameters.ValueSettings;
        inputs.Validate(Eta.Architecture.PredictionSize, settings.Bins);
        var values = QValueFunction.Compute(inputs, state.AdvEma, state.TdEma, settings);
        var (meta, h, c) = DiscoMetaNetwork.Forward(Eta, inputs, values, state.MetaHidden, state.MetaCell);
        return new DiscoRuleOutputs(meta, values, new DiscoRuleState(h, c, values.AdvEma, values.TdEma));
    }

    /// <summary>
    /// The agent loss per step [T, B]: KL(π̂‖π) + KL(ŷ‖y) + KL(ẑ‖z_a) + KL(π_{t+1}‖aux_π_a) masked at
    /// terminal steps. With backprop = false the meta-network's targets are constants (agent training);
    /// with backprop = true the loss is differentiable in η (meta-gradients).
    /// </summary>
    public LossTerms AgentLoss(RuleInputs inputs, DiscoRuleOutputs outputs, bool backprop)
    {
        var hp = HyperParameters;
        var actions = DropLast(inputs.Actions).to(int64);                                 // [T, B]
        var logits = DropLast(inputs.AgentOut.Logits);                                    // [T, B, A]
        var y = DropLast(inputs.AgentOut.Y);                                              // [T, B, P]
        var z = DropLast(inputs.AgentOut.Z);                                              // [T, B, A, P]
        var (zA, auxPiA, _) = inputs.AgentOut.Taken(inputs.Actions);                      // [T, B, P], [T, B, A]
        var (piHat, yHat, zHat) = (outputs.Meta.Pi, outputs.Meta.Y, outputs.Meta.Z);
        if (!backprop) (piHat, yHat, zHat) = (piHat.detach(), yHat.detach(), zHat.detach());

        var piLoss = CategoricalKl(piHat, logits);
        var yLoss = CategoricalKl(yHat, y);
        var zLoss = CategoricalKl(zHat, zA);

        // Auxiliary one-step policy prediction: aux_pi at the taken action predicts the next state's policy.
        var auxTarget = inputs.AgentOut.Logits.narrow(0, 1, inputs.T).detach();           // [T, B, A]
        var auxLoss = CategoricalKl(auxTarget, auxPiA) * (1 - inputs.IsTerminal);

        var total = hp.PiCost * piLoss + hp.YCost * yLoss + hp.ZCost * zLoss + hp.AuxPolicyCost * auxLoss;
        Tensor Logged(Func<Tensor> f) { using var _ = no_grad(); return f(); }
        IReadOnlyDictionary<string, Tensor> Log() => new Dictionary<string, Tensor>
        {
            ["logits"] = Logged(() => logits.mean()),
            ["y"] = Logged(() => y.mean()),
            ["z"] = Logged(() => z.mean()),
            ["entropy"] = Logged(() => Entropy(logits).mean()),
            ["y_entropy"] = Logged(() => Entropy(y).mean()),
            ["z_entropy"] = Logged(() => Entropy(zA).mean()),
            ["pi_loss"] = Logged(() => piLoss.mean()),
            ["aux_kl_loss"] = Logged(() => auxLoss.mean()),
            ["pi_hat"] = Logged(() => piHat.mean()),
            ["y_hat"] = Logged(() => yHat.mean()),
            ["z_hat"] = Logged(() => zHat.mean()),
            ["pi_hat_entropy"] = Logged(() => Entropy(piHat).mean()),
            ["pi_hat_spread"] = Logged(() => piHat.std(-1, unbiased: false).mean()),
            ["aux_policy_entropy"] = Logged(() => Entropy(auxPiA).mean()),
            ["aux_target_entropy"] = Logged(() => Entropy(auxTarget).mean()),
        };
        return new LossTerms(total, new(Log));
    }

    /// <summary>
    /// The value loss per step [T, B] (already weighted by value_cost): cross-entropy between the
    /// taken action's Q logits and the two-hot projection of h(stop_grad(Q(a) + q_td)).
    /// </summary>
    public LossTerms ValueLoss(RuleInputs inputs, DiscoRuleOutputs outputs)
    {
        var settings = HyperParameters.ValueSettings;
        var actions = DropLast(inputs.Actions).to(int64);
        var qA = inputs.AgentOut.Taken(inputs.Actions).Q;                                 // [T, B, N]
        Tensor targetProbs;
        using (no_grad())
        {
            var value = SelectAction(DropLast(outputs.Values.QValue), actions).to(float64);  // [T, B] Q(a)
            var target = SignedHyperbolic(value + outputs.Values.QTd.to(float64));
            targetProbs = ToTwoHot(target, -settings.MaxAbsValue, settings.MaxAbsValue, settings.Bins).to(qA.dtype);
        }
        var crossEntropy = -(targetProbs * qA.log_softmax(-1)).sum(-1);                     // [T, B]
        Tensor Logged(Func<Tensor> f) { using var _ = no_grad(); return f(); }
        var v = outputs.Values;
        IReadOnlyDictionary<string, Tensor> Log() => new Dictionary<string, Tensor>
        {
            ["q_target"] = Logged(() => v.QTarget.mean()),
            ["agent_q_mean"] = Logged(() => v.QValue.mean()),
            ["q_loss"] = Logged(() => crossEntropy.mean()),
            ["td"] = Logged(() => v.QTd.mean()),
            ["normalized_td"] = Logged(() => v.NormalizedQTd.mean()),
            // How far Q tells actions apart, raw and as the meta-network sees it (normalised by the
            // advantage EMA): a uniform-policy fixed point shows as spreads near zero (issue #13, item 2).
            ["q_spread"] = Logged(() => v.QValue.std(-1, unbiased: false).mean()),
            ["adv_std"] = Logged(() => v.Adv.std(unbiased: false)),
            ["normalized_qv_adv_spread"] = Logged(() => v.NormalizedQvAdv.std(-1, unbiased: false).mean()),
        };
        return new LossTerms(crossEntropy * HyperParameters.ValueCost, new(Log));
    }
}

/// <summary>The target network follows the online one: target ← c·target + (1 − c)·online.</summary>
public static class TargetParameters
{
    public static void Update(IReadOnlyList<Tensor> target, IReadOnlyList<Tensor> online, double coeff)
    {
        if (target.Count != online.Count) throw new ArgumentException("target and online parameter lists differ in length");
        using var _ = no_grad();
        for (int i = 0; i < target.Count; i++)
        {
            if (!target[i].shape.SequenceEqual(online[i].shape))
                throw new ArgumentException($"parameter {i}: target shape differs from online shape");
            target[i].mul_(coeff).add_(online[i], alpha: 1 - coeff);
        }
    }
}
