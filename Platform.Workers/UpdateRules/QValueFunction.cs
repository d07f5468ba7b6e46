using static TorchSharp.torch;

namespace Platform.Workers.UpdateRules;

/// <summary>Settings of the rule's own value function (no meta-parameters): Disco103 defaults.</summary>
public sealed record QValueSettings(
    double Discount = 0.997,
    double Lambda = 0.95,
    double MaxAbsValue = 300,
    int Bins = 601,
    double EmaDecay = 0.99,
    double EmaEps = 1e-6);

/// <summary>Everything the value function derives from one rollout. Shapes beside each field.</summary>
public sealed record QValueOutputs(
    Tensor QValue,            // [T+1, B, A] online Q (scalar)
    Tensor TargetQValue,      // [T+1, B, A] target-network Q (scalar)
    Tensor Value,             // [T+1, B]    Σ_a π(a)·Q(a)
    Tensor TargetValue,       // [T+1, B]    Σ_a π(a)·Q_target(a), online π
    Tensor Rho,               // [T, B]      π(a)/μ(a)
    Tensor QTarget,           // [T, B]      Retrace return
    Tensor Adv,               // [T, B]      q_target − V_target
    Tensor NormalizedAdv,     // [T, B]
    Tensor QvAdv,             // [T+1, B, A] Q_target − V_target
    Tensor NormalizedQvAdv,   // [T+1, B, A]
    Tensor QTd,               // [T, B]      q_target − Q(a)
    Tensor NormalizedQTd,     // [T, B]
    EmaState AdvEma,
    EmaState TdEma);

/// <summary>
/// The value function inside the Disco rule: categorical Q over integer bins on
/// [−max, max] in the signed-hyperbolic space, Retrace targets from the target network's Q,
/// and advantages normalised by moving averages. Nothing here is differentiated: every
/// consumer stops gradients at these values, so it runs under no_grad.
/// </summary>
public static class QValueFunction
{
    /// <summary>
    /// Categorical logits [..., N] → scalar values [...] (expected bin, then h⁻¹), in float64.
    /// The expected bin is a sum of ±300·p terms that nearly cancel, and h⁻¹ roughly squares it:
    /// in float32 that loses ~1e-4 relative, so the sum and everything built on it (V, Retrace,
    /// advantages) run in float64 and are cast back at the end.
    /// </summary>
    public static Tensor ScalarFromLogits(Tensor logits, double maxAbsValue)
    {
        // exp(x − max) in float32, then one float64 product with [bins | 1]: Σ e·bin / Σ e,
        // block by block in reused scratch tensors so the float64 copy stays in cache.
        using var _ = no_grad();
        long bins = logits.shape[^1];
        var support = stack([linspace(-maxAbsValue, maxAbsValue, bins, dtype: float64, device: logits.device),
            ones(bins, dtype: float64, device: logits.device)], 1);                    // [N, 2]
        using var wide = empty(Math.Min(RuleMath.RowBlock, logits.NumberOfElements / bins), bins, dtype: float64, device: logits.device);
        var sums = RuleMath.MapRowBlocks(logits, (block, scratch) =>
        {
            var e = scratch!.copy_(block).sub_(block.amax([-1], keepdim: true)).exp_();
            return wide.narrow(0, 0, block.shape[0]).copy_(e).matmul(support);        // [rows, 2]
        }, reuseScratch: true);
        return RuleMath.SignedParabolic(sums.select(-1, 0) / sums.select(-1, 1));
    }

    public static QValueOutputs Compute(RuleInputs inputs, EmaState advEma, EmaState tdEma, QValueSettings settings)
    {
        using var _ = no_grad();
        long t = inputs.T;
        var dtype = inputs.Rewards.dtype;
        var actions = RuleMath.DropLast(inputs.Actions).to(int64);                      // [T, B]
        var piLogits = inputs.AgentOut.Logits.detach().to(float64);                      // [T+1, B, A]
        var policy = piLogits.softmax(-1);                                               // [T+1, B, A]

        var q = ScalarFromLogits(inputs.AgentOut.Q.detach(), settings.MaxAbsValue);       // [T+1, B, A]
        var targetQ = ScalarFromLogits(inputs.TargetOut.Q.detach(), settings.MaxAbsValue); // [T+1, B, A]
        var v = (policy * q).sum(-1);                                                    // [T+1, B]
        var targetV = (policy * targetQ).sum(-1);                                        // [T+1, B]

        // Importance weights of the taken actions under the online vs behaviour policy.
        var logPiA = RuleMath.SelectAction(RuleMath.DropLast(piLogits).log_softmax(-1), actions);
        var logMuA = RuleMath.SelectAction(RuleMath.DropLast(inputs.BehaviourLogits.to(float64)).log_softmax(-1), actions);
        var rho = (logPiA - logMuA).exp();                                               // [T, B]

        var qA = RuleMath.SelectAction(RuleMath.DropLast(q), actions);                  // [T, B]
        var targetQA = RuleMath.SelectAction(RuleMath.DropLast(targetQ), actions);      // [T, B]
        var discounts = (1 - inputs.IsTerminal.to(float64)) * settings.Discount;         // [T, B]
        var traces = settings.Lambda * rho.clamp_max(1.0);                               // [T, B]
        var qTarget = Retrace(targetQA, targetV, inputs.Rewards.to(float64), discounts, traces); // [T, B]

        var adv = qTarget - targetV.narrow(0, 0, t);
        var qvAdv = targetQ - targetV.unsqueeze(-1);
        var qTd = qTarget - qA;

        // The moving averages keep the state's precision; their inputs are cast back first.
        (adv, qvAdv, qTd) = (adv.to(dtype), qvAdv.to(dtype), qTd.to(dtype));
        var ema = new MovingAverage(settings.EmaDecay, settings.EmaEps);
        var newAdvEma = ema.Update(advEma, adv);
        var newTdEma = ema.Update(tdEma, qTd);
        return new QValueOutputs(
            q.to(dtype), targetQ.to(dtype), v.to(dtype), targetV.to(dtype), rho.to(dtype), qTarget.to(dtype),
            adv, ema.Normalize(newAdvEma, adv),
            qvAdv, ema.Normalize(newAdvEma, qvAdv),
            qTd, ema.Normalize(newTdEma, qTd, subtractMean: false),
            newAdvEma, newTdEma);
    }

    /// <summary>
    /// Retrace returns, computed backwards in time:
    /// G[T−1] = r[T−1] + γ[T−1]·V[T];
    /// G[t]   = r[t] + γ[t]·(V[t+1] + c[t+1]·(G[t+1] − Q[t+1])).
    /// q [T, B] (taken action), v [T+1, B], rewards/discounts/traces [T, B] → [T, B].
    /// </summary>
    public static Tensor Retrace(Tensor q, Tensor v, Tensor rewards, Tensor discounts, Tensor traces)
    {
        long t = rewards.shape[0];
        var returns = new Tensor[t];
        var g = rewards[t - 1] + discounts[t - 1] * v[t];
        returns[t - 1] = g;
        for (long i = t - 2; i >= 0; i--)
        {
            g = rewards[i] + discounts[i] * (v[i + 1] - traces[i + 1] * q[i + 1] + traces[i + 1] * g);
            returns[i] = g;
        }
        return stack(returns, 0);
    }
}
