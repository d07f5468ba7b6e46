using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Checkpoints;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.Disco;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// A meta-network (Disco103 or any file in its layout) driving the learner, as the reference agent does: the agent's
/// outputs on the batch are computed, the rule is applied to detached copies without gradient (its targets are
/// constants for agent training), the agent and value losses are recomputed on the live outputs, averaged over the
/// steps the loss mask keeps (the reference's: all but episode starts; <see cref="TrajectoryBatch.LossMask"/>), and
/// one Adam+clip step is taken. The target parameters then move toward the online ones (coefficient 0.9); the meta-RNN and EMA state
/// carry across learner steps.
/// </summary>
public sealed class DiscoLearnerRule(DiscoUpdateRule rule, string name) : ILearnerRule
{
    private DiscoRuleState? _state;

    public DiscoUpdateRule Rule { get; } = rule;
    public string Name { get; } = name;
    public AgentHeads Heads(int actions) => AgentHeads.Disco(actions);
    public bool UsesReplay => true;
    /// <summary>Reference `get_settings_disco`: 3e-4 (the reference Catch demo uses 1e-2).</summary>
    public double DefaultLearningRate => 3e-4;
    public object HyperParameters => Rule.HyperParameters;
    public DiscoRuleState State => _state ?? throw new InvalidOperationException("not initialised");

    public void Initialize(LearnerCore core) => _state = Rule.InitialState();

    public static AgentOutputs ToAgentOutputs(AgentForward f, long t1, long b)
    {
        long a = f.Logits.shape[1];
        return new AgentOutputs(
            f.Logits.reshape(t1, b, a), f.Y!.reshape(t1, b, -1), f.Z!.reshape(t1, b, a, -1),
            f.AuxPi!.reshape(t1, b, a, a), f.Q!.reshape(t1, b, a, -1));
    }

    private static AgentOutputs Detached(AgentOutputs o) => new(o.Logits.detach(), o.Y.detach(), o.Z.detach(), o.AuxPi.detach(), o.Q.detach());

    public Dictionary<string, double> Update(LearnerCore core, TrajectoryBatch batch, bool withLogs = true)
    {
        using var scope = NewDisposeScope();
        var (obs, actions, behaviour, rewards, terminal) = batch.ToTensors(core.ObservationShape, core.Device);
        long t1 = batch.T + 1, b = batch.B;
        var flat = obs.reshape(t1 * b, core.ObservationShape[0], core.ObservationShape[1], core.ObservationShape[2]);
        var (online, target) = core.Time("forward", () =>
        {
            // One forward: every action's model outputs as constants for the rule, the taken action's with gradient.
            var (all, at) = core.Network.ForwardAtActions(core.Parameters, flat, actions.reshape(t1 * b).to(int64));
            var on = ToAgentOutputs(all, t1, b) with
            {
                AtActions = new ModelAtActions(actions, at.Z!.reshape(t1, b, -1), at.AuxPi.reshape(t1, b, -1), at.Q.reshape(t1, b, -1)),
            };
            using var _ = no_grad();
            var tg = ToAgentOutputs(core.Network.Forward(core.TargetParameters, flat), t1, b);
            return (on, tg);
        });
        var live = new RuleInputs(online, target, behaviour, rewards, terminal, actions);
        var outputs = core.Time("rule", () =>
        {
            using var _ = no_grad();
            return Rule.Apply(new RuleInputs(Detached(online), target, behaviour, rewards, terminal, actions), State);
        });
        var (loss, agent, value) = core.Time("forward", () =>
        {
            var agentLoss = Rule.AgentLoss(live, outputs, backprop: false);
            var valueLoss = Rule.ValueLoss(live, outputs);
            var mask = batch.LossMask(core.MaskEpisodeStarts, core.Device);                    // [T, B]
            var total = ((agentLoss.PerStep + valueLoss.PerStep) * mask).sum() / (mask.sum() + 1e-8);
            return (total, agentLoss, valueLoss);
        });
        // As in the reference, the target moves toward the parameters the rule was applied with (before this step).
        UpdateRules.Disco.TargetParameters.Update(core.TargetParameters, core.Parameters, Rule.HyperParameters.TargetParamsCoeff);
        core.ApplyGradients(loss);

        var newState = outputs.NewState.Detach();
        foreach (var t in newState.Tensors)
            t.MoveToOuterDisposeScope();
        _state = newState;

        var logs = new Dictionary<string, double> { ["loss"] = loss.item<float>() };
        if (!withLogs) return logs;
        foreach (var (k, v) in agent.Log) logs[k] = v.to(float64).item<double>();
        foreach (var (k, v) in value.Log) logs[k] = v.to(float64).item<double>();
        return logs;
    }

    public Dictionary<string, NpyArray> SaveState()
    {
        var s = State;
        return new Dictionary<string, NpyArray>
        {
            ["meta_rnn/hidden"] = NpyTensors.FromTensor(s.MetaHidden),
            ["meta_rnn/cell"] = NpyTensors.FromTensor(s.MetaCell),
            ["adv_ema/moment1"] = NpyTensors.FromTensor(s.AdvEma.Moment1),
            ["adv_ema/moment2"] = NpyTensors.FromTensor(s.AdvEma.Moment2),
            ["adv_ema/decay_product"] = NpyTensors.FromTensor(s.AdvEma.DecayProduct),
            ["td_ema/moment1"] = NpyTensors.FromTensor(s.TdEma.Moment1),
            ["td_ema/moment2"] = NpyTensors.FromTensor(s.TdEma.Moment2),
            ["td_ema/decay_product"] = NpyTensors.FromTensor(s.TdEma.DecayProduct),
        };
    }

    public void LoadState(IReadOnlyDictionary<string, NpyArray> arrays, Device device)
    {
        var init = Rule.InitialState();
        Tensor Get(string key, Tensor like)
        {
            if (!arrays.TryGetValue(key, out var a)) throw new InvalidDataException($"rule_state.npz: missing {key}");
            if (!a.Shape.SequenceEqual(like.shape)) throw new InvalidDataException($"rule_state.npz: {key} has the wrong shape");
            return NpyTensors.ToTensor(a, device).to(like.dtype);
        }
        _state = new DiscoRuleState(Get("meta_rnn/hidden", init.MetaHidden), Get("meta_rnn/cell", init.MetaCell),
            new EmaState(Get("adv_ema/moment1", init.AdvEma.Moment1), Get("adv_ema/moment2", init.AdvEma.Moment2), Get("adv_ema/decay_product", init.AdvEma.DecayProduct)),
            new EmaState(Get("td_ema/moment1", init.TdEma.Moment1), Get("td_ema/moment2", init.TdEma.Moment2), Get("td_ema/decay_product", init.TdEma.DecayProduct)));
    }
}
