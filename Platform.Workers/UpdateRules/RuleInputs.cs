using Platform.Workers.Agents;
using static TorchSharp.torch;

namespace Platform.Workers.UpdateRules;

/// <summary>
/// What the agent network emits for each state of a rollout (T+1 states):
/// logits [T+1, B, A], y [T+1, B, P], and from the action-conditional model
/// z [T+1, B, A, P], aux_pi [T+1, B, A, A], q [T+1, B, A, N] (categorical Q logits).
/// </summary>
public sealed record AgentOutputs(Tensor Logits, Tensor Y, Tensor Z, Tensor AuxPi, Tensor Q)
{
    /// <summary>
    /// The action model's outputs at the rollout's own actions, z [T+1, B, P], aux_pi [T+1, B, A], q [T+1, B, N], when
    /// the learner computed them apart with gradient (<see cref="AgentNetwork.ForwardAtActions"/>; then Z, AuxPi and Q
    /// are constants). Null: the losses select the taken action from Z, AuxPi and Q.
    /// </summary>
    public ModelAtActions? AtActions { get; init; }

    /// <summary>
    /// The taken action's z [T, B, P], aux_pi [T, B, A] and q [T, B, N] at the first T states, as the losses
    /// differentiate them; <paramref name="rolloutActions"/> is the rollout's [T+1, B].
    /// </summary>
    public (Tensor Z, Tensor AuxPi, Tensor Q) Taken(Tensor rolloutActions)
    {
        if (AtActions is not { } m)
        {
            var actions = RuleMath.DropLast(rolloutActions).to(ScalarType.Int64);
            return (RuleMath.SelectAction(RuleMath.DropLast(Z), actions), RuleMath.SelectAction(RuleMath.DropLast(AuxPi), actions),
                RuleMath.SelectAction(RuleMath.DropLast(Q), actions));
        }
        if (!ReferenceEquals(m.Actions, rolloutActions))
            throw new ArgumentException("the agent's outputs at actions were computed for other actions than the rollout's");
        long[] lead = [.. rolloutActions.shape];
        if (m.Z is null || !m.Z.shape.SequenceEqual([.. lead, Z.shape[^1]]) || !m.AuxPi.shape.SequenceEqual([.. lead, AuxPi.shape[^1]])
            || !m.Q.shape.SequenceEqual([.. lead, Q.shape[^1]]))
            throw new ArgumentException("the agent's outputs at actions must be [T+1, B, size] beside z, aux_pi and q");
        return (RuleMath.DropLast(m.Z), RuleMath.DropLast(m.AuxPi), RuleMath.DropLast(m.Q));
    }
}

/// <summary>
/// One rollout as the rule reads it. actions [T+1, B] (int), rewards [T, B], is_terminal [T, B]
/// (1 where the step ended an episode), behaviour logits [T+1, B, A] (what the actor saw),
/// and the outputs of the online and target networks on the same states.
/// </summary>
public sealed record RuleInputs(
    AgentOutputs AgentOut,
    AgentOutputs TargetOut,
    Tensor BehaviourLogits,
    Tensor Rewards,
    Tensor IsTerminal,
    Tensor Actions)
{
    public long T => Rewards.shape[0];
    public long B => Rewards.shape[1];
    public long A => AgentOut.Logits.shape[2];

    /// <summary>
    /// Checks every shape before any tensor op runs (a libtorch shape error aborts the process).
    /// </summary>
    public void Validate(int predictionSize, int valueBins)
    {
        if (Rewards.dim() != 2) throw new ArgumentException($"rewards must be [T, B], got {Show(Rewards)}");
        long t = T, b = B;
        if (t < 1 || b < 1) throw new ArgumentException($"rewards must have T ≥ 1 and B ≥ 1, got {Show(Rewards)}");
        long a = AgentOut.Logits.dim() == 3 ? AgentOut.Logits.shape[2] : -1;
        if (a < 1) throw new ArgumentException($"agent logits must be [T+1, B, A], got {Show(AgentOut.Logits)}");
        Expect("is_terminal", IsTerminal, t, b);
        Expect("actions", Actions, t + 1, b);
        Expect("behaviour logits", BehaviourLogits, t + 1, b, a);
        foreach (var (name, o) in new[] { ("agent", AgentOut), ("target", TargetOut) })
        {
            Expect($"{name} logits", o.Logits, t + 1, b, a);
            Expect($"{name} y", o.Y, t + 1, b, predictionSize);
            Expect($"{name} z", o.Z, t + 1, b, a, predictionSize);
            Expect($"{name} aux_pi", o.AuxPi, t + 1, b, a, a);
            Expect($"{name} q", o.Q, t + 1, b, a, valueBins);
        }
        if (Actions.dtype is not (ScalarType.Int32 or ScalarType.Int64))
            throw new ArgumentException($"actions must be integers, got {Actions.dtype}");
        using var outOfRange = (Actions < 0).logical_or(Actions >= a).any();
        if (outOfRange.item<bool>()) throw new ArgumentException($"actions must lie in [0, {a})");
    }

    private static void Expect(string name, Tensor x, params long[] shape)
    {
        if (!x.shape.SequenceEqual(shape))
            throw new ArgumentException($"{name} must have shape [{string.Join(", ", shape)}], got {Show(x)}");
    }

    private static string Show(Tensor x) => "[" + string.Join(", ", x.shape) + "]";
}

public static class RuleInputsExtensions
{
    /// <summary>The same rollout with every float tensor cast to <paramref name="dtype"/> (actions unchanged).</summary>
    public static RuleInputs To(this RuleInputs x, ScalarType dtype)
    {
        AgentOutputs Cast(AgentOutputs o) => new(o.Logits.to(dtype), o.Y.to(dtype), o.Z.to(dtype), o.AuxPi.to(dtype), o.Q.to(dtype));
        return new RuleInputs(Cast(x.AgentOut), Cast(x.TargetOut), x.BehaviourLogits.to(dtype),
            x.Rewards.to(dtype), x.IsTerminal.to(dtype), x.Actions);
    }
}
