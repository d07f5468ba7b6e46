using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Learning;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;

namespace Platform.Workers.UpdateRules.Ppo;

/// <summary>
/// PPO hyperparameters: the CleanRL defaults (ppo.py / ppo_atari.py) adapted to this loop. Discount 0.99, GAE λ 0.95,
/// clip 0.2, 4 epochs × 4 minibatches per batch of fresh rollouts (minibatches split the trajectories), advantages
/// normalised per minibatch, clipped value loss with coefficient 0.5, entropy 0.01, global gradient-norm clip 0.5,
/// learning rate 2.5e-4 (the loop's Adam with element-wise update clip at 1 replaces CleanRL's plain Adam).
/// The loop's batch is the number of parallel actor environments (each learner step uses B fresh trajectories of T
/// steps, no replay); CleanRL's Atari default is 8 environments × 128 steps.
/// </summary>
public sealed record PpoHyperParameters(
    double Discount = 0.99,
    double GaeLambda = 0.95,
    double Clip = 0.2,
    int Epochs = 4,
    int Minibatches = 4,
    bool NormalizeAdvantages = true,
    bool ClipValueLoss = true,
    double ValueCost = 0.5,
    double EntropyCost = 0.01,
    double MaxGradNorm = 0.5,
    double LearningRate = 2.5e-4);

/// <summary>PPO with GAE(λ) on a scalar value head, on the same network and loop as the other rules.</summary>
public sealed class PpoRule(PpoHyperParameters? hyperParameters = null) : ILearnerRule
{
    public PpoHyperParameters Settings { get; } = hyperParameters ?? new PpoHyperParameters();
    public string Name => "ppo";
    public AgentHeads Heads(int actions) => AgentHeads.ValueOnly(actions, 1);
    public bool UsesReplay => false;
    public double DefaultLearningRate => Settings.LearningRate;
    public object HyperParameters => Settings;
    public void Initialize(LearnerCore core) { }

    /// <summary>GAE(λ): values [T+1, B], rewards and discounts (γ·(1−terminal)) [T, B] → advantages [T, B].</summary>
    public static Tensor Gae(Tensor values, Tensor rewards, Tensor discounts, double lambda)
    {
        long t = rewards.shape[0];
        var adv = new Tensor[t];
        var acc = zeros_like(rewards[0]);
        for (long i = t - 1; i >= 0; i--)
        {
            var delta = rewards[i] + discounts[i] * values[i + 1] - values[i];
            acc = delta + discounts[i] * lambda * acc;
            adv[i] = acc;
        }
        return stack(adv, 0);
    }

    public Dictionary<string, double> Update(LearnerCore core, TrajectoryBatch batch, bool withLogs = true)
    {
        using var scope = NewDisposeScope();
        var s = Settings;
        var shape = core.ObservationShape;
        var (obs, actions, behaviour, rewards, terminal) = batch.ToTensors(shape, core.Device);
        long t = batch.T, t1 = t + 1, b = batch.B, a = batch.Actions;
        Tensor advantages, returns, oldValues;
        using (no_grad())
        {
            var values = core.Time("forward", () => core.Network.Forward(core.Parameters,
                obs.reshape(t1 * b, shape[0], shape[1], shape[2])).V!.reshape(t1, b));
            var discounts = (1 - terminal) * s.Discount;
            advantages = core.Time("rule", () => Gae(values, rewards, discounts, s.GaeLambda));
            oldValues = DropLast(values);
            returns = advantages + oldValues;
        }
        var act = DropLast(actions);
        var oldLogP = SelectAction(DropLast(behaviour).log_softmax(-1).unsqueeze(-1), act).squeeze(-1);  // [T, B]
        var obsT = obs.narrow(0, 0, t);
        int mb = Math.Max(1, (int)b / s.Minibatches);
        double lossSum = 0, pgSum = 0, vSum = 0, entSum = 0, clipSum = 0;
        int updates = 0;
        var order = new int[b];
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            for (int i = 0; i < b; i++) order[i] = i;
            for (int i = (int)b - 1; i > 0; i--) { int j = core.Rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
            for (int start = 0; start + mb <= b; start += mb)
            {
                using var inner = NewDisposeScope();
                var idx = tensor(order.Skip(start).Take(mb).Select(x => (long)x).ToArray(), device: core.Device);
                var o = obsT.index_select(1, idx).reshape(t * mb, shape[0], shape[1], shape[2]);
                var f = core.Time("forward", () => core.Network.Forward(core.Parameters, o));
                var logits = f.Logits.reshape(t, mb, a);
                var v = f.V!.reshape(t, mb);
                var mAct = act.index_select(1, idx);
                var mAdv = advantages.index_select(1, idx);
                if (s.NormalizeAdvantages) mAdv = (mAdv - mAdv.mean()) / (mAdv.std() + 1e-8);
                var logP = logits.log_softmax(-1);
                var newLogP = SelectAction(logP.unsqueeze(-1), mAct).squeeze(-1);
                var ratio = (newLogP - oldLogP.index_select(1, idx)).exp();
                var pg = maximum(-mAdv * ratio, -mAdv * ratio.clamp(1 - s.Clip, 1 + s.Clip)).mean();
                var ret = returns.index_select(1, idx);
                var oldV = oldValues.index_select(1, idx);
                var vLoss = s.ClipValueLoss
                    ? 0.5 * maximum((v - ret).square(), (oldV + (v - oldV).clamp(-s.Clip, s.Clip) - ret).square()).mean()
                    : 0.5 * (v - ret).square().mean();
                var entropy = -(logP.exp() * logP).sum(-1).mean();
                var loss = pg - s.EntropyCost * entropy + s.ValueCost * vLoss;
                core.ApplyGradients(loss, s.MaxGradNorm);
                lossSum += loss.item<float>(); pgSum += pg.item<float>(); vSum += vLoss.item<float>(); entSum += entropy.item<float>();
                using (no_grad()) clipSum += ((ratio - 1).abs() > s.Clip).to(float32).mean().item<float>();
                updates++;
            }
        }
        return new Dictionary<string, double>
        {
            ["loss"] = lossSum / updates, ["pg_loss"] = pgSum / updates, ["value_loss"] = vSum / updates,
            ["entropy"] = entSum / updates, ["clip_fraction"] = clipSum / updates,
        };
    }

    public Dictionary<string, NpyArray> SaveState() => new();
    public void LoadState(IReadOnlyDictionary<string, NpyArray> arrays, Device device) { }
}
