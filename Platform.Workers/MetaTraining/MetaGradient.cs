using Platform.Data.Runs;
using Platform.Workers.Agents;
using Platform.Workers.Learning;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.Disco;
using TorchSharp;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;

namespace Platform.Workers.MetaTraining;

/// <summary>Weights of the meta-loss's regularisers (reference meta-training colab).</summary>
public sealed record MetaLossSettings(
    double EntropyCost,               // −H(π) on the validation rollout
    double PredictionEntropyCost,     // −H(y), −H(z_a) on the validation rollout
    double OutputMeanCost,            // (mean of π̂, ŷ, ẑ over a rollout)², per inner step
    double TargetKlCost)              // KL(π_target ‖ π̂) on the training rollouts
{
    /// <summary>The reference colab's weights, as the meta-train option table declares them.</summary>
    public MetaLossSettings() : this(MetaTrainOptions.EntropyCost.DoubleDefault, MetaTrainOptions.PredictionEntropyCost.DoubleDefault,
        MetaTrainOptions.OutputMeanCost.DoubleDefault, MetaTrainOptions.TargetKlCost.DoubleDefault) { }
}

/// <summary>
/// One agent's state at the start of an inner unroll: parameters θ, target parameters, optimiser moments and
/// the rule's state (meta-RNN, EMAs), all as tensors of the same dtype and device.
/// </summary>
public sealed record InnerState(IReadOnlyList<Tensor> Parameters, IReadOnlyList<Tensor> TargetParameters,
    AdamState Optimizer, DiscoRuleState RuleState)
{
    /// <summary>The same state with no autograd history: what carries to the next meta-step.</summary>
    public InnerState Detach() => new(
        Parameters.Select(p => p.detach()).ToList(), TargetParameters.Select(p => p.detach()).ToList(),
        new AdamState(Optimizer.Count, Optimizer.Mu.Select(m => m.detach()).ToList(), Optimizer.Nu.Select(v => v.detach()).ToList()),
        RuleState.Detach());
}

/// <summary>The end of an inner unroll: θ_K (and the rest of the agent's state) and the training-side regularisers.</summary>
/// <paramref name="PiHatEntropy"/> (no graph) says how far the rule's policy target is from uniform: ln A means it cannot move a policy.
/// <paramref name="PiHatSpread"/> (no graph), the standard deviation of π̂'s logits across actions, says the same on a scale that
/// float32 resolves: an entropy deficit below ~1e-7 (a spread below ~5e-4) rounds to ln A.
public sealed record InnerUnroll(InnerState Final, Tensor OutputMeanPenalty, Tensor TargetKl, Tensor PiHatEntropy, Tensor PiHatSpread);

/// <summary>
/// A rollout as tensors: obs [T+1, B, H, W, C], actions [T+1, B], behaviour logits [T+1, B, A], rewards and is_terminal
/// [T, B], and the inner loss's mask [T, B] (0 at episode starts under the reference's mask; null: every step counts).
/// </summary>
public sealed record RolloutTensors(Tensor Observations, Tensor Actions, Tensor BehaviourLogits, Tensor Rewards, Tensor IsTerminal, Tensor? LossMask = null)
{
    public long T => Rewards.shape[0];
    public long B => Rewards.shape[1];

    public static RolloutTensors From(TrajectoryBatch batch, IReadOnlyList<int> obsShape, Device device, ScalarType dtype, bool maskEpisodeStarts = false)
    {
        var (obs, actions, logits, rewards, terminal) = batch.ToTensors(obsShape, device);
        return new RolloutTensors(obs.to(dtype), actions, logits.to(dtype), rewards.to(dtype), terminal.to(dtype),
            maskEpisodeStarts ? batch.LossMask(true, device).to(dtype) : null);
    }

    /// <summary>The mean of a per-step loss [T, B] over the steps the mask keeps (all of them without a mask).</summary>
    public Tensor MaskedMean(Tensor perStep) => LossMask is null ? perStep.mean() : (perStep * LossMask).sum() / (LossMask.sum() + 1e-8);
}

/// <summary>
/// The meta-gradient of the Disco rule for one agent (the paper's method, as in the reference colab): K inner
/// learner steps with the current meta-parameters η, keeping the graph through the agent's parameter updates,
/// then a meta-loss on a fresh validation rollout: a policy gradient with advantages from a separately trained
/// value function, plus regularisers. Pure functions of their arguments; η must be leaves that record gradients.
/// </summary>
public static class MetaGradient
{
    /// <summary>
    /// K inner learner steps as differentiable functions of η: per training rollout the rule is applied at θ_k, the
    /// agent and value losses are differentiated (graph kept), the target moves, Adam + clip gives θ_{k+1}.
    /// <paramref name="afterStep"/> sees each rollout with the detached logits at θ_k [T+1, B, A] (the meta-value
    /// function trains on them). Returns θ_K and the training-side regularisers.
    /// With <paramref name="stopGradientDenominator"/> (the reference's choice) Adam's second moment carries no
    /// meta-gradient; the finite-difference test turns it off to check the exact derivative.
    /// </summary>
    public static InnerUnroll Unroll(DiscoUpdateRule rule, AgentNetwork network, InnerState start,
        IReadOnlyList<RolloutTensors> trainRollouts, AdamClipSettings inner, bool stopGradientDenominator = true,
        Action<RolloutTensors, Tensor>? afterStep = null)
    {
        if (trainRollouts.Count == 0) throw new ArgumentException("at least one inner step (training rollout) is needed");

        // θ₀ is a constant of the meta-loss, but the inner gradient needs it in the graph.
        var theta = start.Parameters.Select(p => p.detach().requires_grad_(true)).ToList();
        IReadOnlyList<Tensor> target = start.TargetParameters;
        var optimizer = start.Optimizer;
        var ruleState = start.RuleState;
        var outputMeans = new List<Tensor>();   // per inner step: (mean π̂)² + (mean ŷ)² + (mean ẑ)²
        var targetKl = new List<Tensor>();
        var piHatEntropy = new List<Tensor>();
        var piHatSpread = new List<Tensor>();

        foreach (var r in trainRollouts)
        {
            long t1 = r.T + 1, b = r.B;
            var obs = r.Observations.reshape([t1 * b, .. r.Observations.shape[2..]]);
            // The rule reads the agent's outputs at θ_k; it sees the same θ_k the loss is differentiated at,
            // but the inner gradient is taken through the loss only (θ'_k below), as the reference's inner grad is.
            var online = DiscoLearnerRule.ToAgentOutputs(network.Forward(theta, obs), t1, b);
            var targetOut = DiscoLearnerRule.ToAgentOutputs(network.Forward(target, obs), t1, b);
            var outputs = rule.Apply(new RuleInputs(online, targetOut, r.BehaviourLogits, r.Rewards, r.IsTerminal, r.Actions), ruleState);

            var thetaPrime = theta.Select(p => p * 1.0).ToList();
            // The losses differentiate the action model at the taken actions only (as the learner's forward).
            var (all, at) = network.ForwardAtActions(thetaPrime, obs, r.Actions.reshape(t1 * b).to(int64));
            var live = DiscoLearnerRule.ToAgentOutputs(all, t1, b) with
            {
                AtActions = new ModelAtActions(r.Actions, at.Z!.reshape(t1, b, -1), at.AuxPi.reshape(t1, b, -1), at.Q.reshape(t1, b, -1)),
            };
            var liveInputs = new RuleInputs(live, targetOut, r.BehaviourLogits, r.Rewards, r.IsTerminal, r.Actions);
            var loss = r.MaskedMean(rule.AgentLoss(liveInputs, outputs, backprop: true).PerStep + rule.ValueLoss(liveInputs, outputs).PerStep);
            var grads = autograd.grad([loss], thetaPrime, retain_graph: true, create_graph: true).ToList();
            afterStep?.Invoke(r, online.Logits.detach());

            // The target moves toward the parameters the rule was applied with; then the Adam + clip step.
            target = target.Zip(theta, (old, p) => old * rule.HyperParameters.TargetParamsCoeff + p * (1 - rule.HyperParameters.TargetParamsCoeff)).ToList();
            (theta, optimizer) = AdamClip.StepFunctional(inner, theta, grads, optimizer, stopGradientDenominator);
            ruleState = outputs.NewState;

            var meta = outputs.Meta;
            outputMeans.Add(meta.Pi.mean().square() + meta.Y.mean().square() + meta.Z.mean().square());
            targetKl.Add(CategoricalKl(DropLast(targetOut.Logits).detach(), meta.Pi).mean());
            piHatEntropy.Add(Entropy(meta.Pi.detach()).mean());
            piHatSpread.Add(meta.Pi.detach().std(-1, unbiased: false).mean());
        }
        return new InnerUnroll(new InnerState(theta, target, optimizer, ruleState), stack(outputMeans).mean(), stack(targetKl).mean(),
            stack(piHatEntropy).mean(), stack(piHatSpread).mean());
    }

    /// <summary>
    /// The meta-loss on a validation rollout at the unrolled parameters θ_K: policy gradient with constant advantages
    /// [T, B] (normalised, from the separate value function, which <paramref name="advantagesOf"/> computes from θ_K's
    /// logits [T+1, B, A] without a graph), − entropy, − y/z entropy, + the unroll's output-mean and target-KL regularisers.
    /// Terms: each of those five, weighted as in the loss (they sum to it), with their graphs, by <see cref="TermNames"/>.
    /// </summary>
    public static (Tensor Loss, Dictionary<string, Tensor> Log, IReadOnlyDictionary<string, Tensor> Terms) ValidationLoss(AgentNetwork network, InnerUnroll unroll,
        RolloutTensors validation, Func<Tensor, Tensor> advantagesOf, MetaLossSettings settings)
    {
        long vt1 = validation.T + 1, vb = validation.B;
        var vObs = validation.Observations.reshape([vt1 * vb, .. validation.Observations.shape[2..]]);
        var v = DiscoLearnerRule.ToAgentOutputs(network.Forward(unroll.Final.Parameters, vObs), vt1, vb);
        Tensor validationAdvantages;
        using (no_grad()) validationAdvantages = advantagesOf(v.Logits.detach());
        if (!validationAdvantages.shape.SequenceEqual(new[] { validation.T, validation.B }))
            throw new ArgumentException("validation advantages must be [T, B] of the validation rollout");
        var actions = DropLast(validation.Actions).to(int64);
        var logits = DropLast(v.Logits);                                                // [T, B, A]
        var logPiA = SelectAction(logits.log_softmax(-1).unsqueeze(-1), actions).squeeze(-1);
        var pgLoss = -(logPiA * validationAdvantages.detach()).mean();
        var entropy = Entropy(logits).mean();
        var yEntropy = Entropy(v.Y).mean();
        var zEntropy = Entropy(SelectAction(DropLast(v.Z), actions)).mean();
        // In TermNames' order; the loss is their sum, left to right.
        Tensor[] weighted =
        [
            pgLoss, -settings.EntropyCost * entropy, -settings.PredictionEntropyCost * (yEntropy + zEntropy),
            settings.OutputMeanCost * unroll.OutputMeanPenalty, settings.TargetKlCost * unroll.TargetKl,
        ];
        var terms = TermNames.Zip(weighted).ToDictionary(t => t.First, t => t.Second);
        var total = weighted.Aggregate((a, b) => a + b);

        var log = new Dictionary<string, Tensor>
        {
            ["meta_loss"] = total.detach(), ["pg_loss"] = pgLoss.detach(), ["entropy"] = entropy.detach(),
            ["target_kl"] = unroll.TargetKl.detach(), ["output_mean_penalty"] = unroll.OutputMeanPenalty.detach(),
            ["pi_hat_entropy"] = unroll.PiHatEntropy, ["pi_hat_spread"] = unroll.PiHatSpread, ["validation_advantage"] = validationAdvantages.abs().mean(),
        };
        return (total, log, terms);
    }

    /// <summary>The meta-loss's terms, as <see cref="ValidationLoss"/> names them.</summary>
    public static readonly IReadOnlyList<string> TermNames = ["pg", "entropy", "prediction_entropy", "output_mean", "target_kl"];

    /// <summary>
    /// Which term of the meta-loss makes the meta-gradient on some of η's tensors (π̂'s per-action pathway): each term's
    /// gradient g_k on <paramref name="leaves"/>, its share ⟨g_k, g⟩ / ‖g‖² of their sum g (the shares sum to 1; a negative
    /// one opposes the rest), and its mean over the leaves flagged in <paramref name="isBias"/> (positive: a descent step
    /// lowers those biases). The graph is kept for the meta-gradient that follows.
    /// </summary>
    public static Dictionary<string, double> Attribute(IReadOnlyDictionary<string, Tensor> terms, IReadOnlyList<Tensor> leaves, IReadOnlyList<bool> isBias)
    {
        var perTerm = TermNames.ToDictionary(n => n, n =>
        {
            var grads = autograd.grad([terms[n]], leaves.ToList(), retain_graph: true, allow_unused: true);
            return leaves.Select((p, i) => grads[i] is { } g && !g.IsInvalid ? g.detach().to(float64) : zeros_like(p, dtype: float64)).ToList();
        });
        var sum = leaves.Select((_, i) => TermNames.Select(n => perTerm[n][i]).Aggregate((a, b) => a + b)).ToList();
        double norm2 = sum.Sum(g => g.square().sum().item<double>());
        var log = new Dictionary<string, double>();
        foreach (var n in TermNames)
        {
            double dot = perTerm[n].Zip(sum, (a, b) => (a * b).sum().item<double>()).Sum();
            log["pathway_share_" + n] = norm2 > 0 ? dot / norm2 : 0;
            var biases = perTerm[n].Where((_, i) => isBias[i]).ToList();
            log["pathway_bias_grad_" + n] = biases.Count == 0 ? 0 : biases.Sum(b => b.sum().item<double>()) / biases.Sum(b => b.numel());
        }
        log["pathway_grad_norm"] = Math.Sqrt(norm2);
        return log;
    }

    /// <summary>The meta-loss as a differentiable function of η: <see cref="Unroll"/>, then <see cref="ValidationLoss"/>.</summary>
    public static (Tensor Loss, InnerState Final, Dictionary<string, Tensor> Log) MetaLoss(
        DiscoUpdateRule rule, AgentNetwork network, InnerState start,
        IReadOnlyList<RolloutTensors> trainRollouts, RolloutTensors validation, Tensor validationAdvantages,
        AdamClipSettings inner, MetaLossSettings settings, bool stopGradientDenominator = true)
    {
        var unroll = Unroll(rule, network, start, trainRollouts, inner, stopGradientDenominator);
        var (loss, log, _) = ValidationLoss(network, unroll, validation, _ => validationAdvantages, settings);
        return (loss, unroll.Final, log);
    }

    /// <summary>∂loss/∂η for every meta-parameter (zeros where η does not reach the loss).</summary>
    public static IReadOnlyList<Tensor> GradientOf(Tensor loss, DiscoMetaParameters eta)
    {
        var leaves = eta.Tensors;
        if (leaves.Any(p => !p.requires_grad)) throw new ArgumentException("the rule's meta-parameters must record gradients (CloneRequiringGrad)");
        var grads = autograd.grad([loss], leaves.ToList(), allow_unused: true);
        return leaves.Select((p, i) => grads[i] is { } g && !g.IsInvalid ? g.detach() : zeros_like(p)).ToList();
    }

    /// <summary>The meta-gradient ∂(meta-loss)/∂η for every meta-parameter (zeros where η does not reach the loss).</summary>
    public static (IReadOnlyList<Tensor> Gradient, InnerState Final, Dictionary<string, double> Log) Compute(
        DiscoUpdateRule rule, AgentNetwork network, InnerState start,
        IReadOnlyList<RolloutTensors> trainRollouts, RolloutTensors validation, Tensor validationAdvantages,
        AdamClipSettings inner, MetaLossSettings settings, bool stopGradientDenominator = true)
    {
        if (rule.Eta.Tensors.Any(p => !p.requires_grad)) throw new ArgumentException("the rule's meta-parameters must record gradients (CloneRequiringGrad)");
        var (loss, final, log) = MetaLoss(rule, network, start, trainRollouts, validation, validationAdvantages, inner, settings, stopGradientDenominator);
        return (GradientOf(loss, rule.Eta), final.Detach(), log.ToDictionary(kv => kv.Key, kv => kv.Value.to(float64).item<double>()));
    }
}
