using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Learning;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;

namespace Platform.Workers.UpdateRules.ActorCritic;

/// <summary>
/// Actor-critic hyperparameters with the published defaults of the reference `get_settings_actor_critic`:
/// discount 0.997, V-trace λ 0.95, entropy cost 0.2, policy-gradient cost 1, value cost 0.5, learning rate 5e-4,
/// categorical value over 601 bins on [−300, 300] in signed-hyperbolic space, no advantage/TD normalisation.
/// </summary>
public sealed record ActorCriticHyperParameters(
    double Discount = 0.997,
    double VtraceLambda = 0.95,
    double EntropyCost = 0.2,
    double PgCost = 1.0,
    double ValueCost = 0.5,
    int Bins = 601,
    double MaxAbsValue = 300,
    double LearningRate = 5e-4);

/// <summary>
/// Actor-critic with V-trace (the hand-written targets Disco replaces), on the same network and loop: a categorical
/// state-value head v[601]; V-trace targets and policy-gradient advantages (ρ̄ = c̄ = 1, c = λ·min(1, ρ), the
/// λ-mixed bootstrap of rlax) from the online values; losses pg·(−log π(a)·adv) + value·CE(v, two-hot(h(v_target)))
/// − entropy·H(π), averaged over all steps.
/// </summary>
public sealed class ActorCriticRule(ActorCriticHyperParameters? hyperParameters = null) : ILearnerRule
{
    public ActorCriticHyperParameters Settings { get; } = hyperParameters ?? new ActorCriticHyperParameters();
    public string Name => "actor-critic";
    public AgentHeads Heads(int actions) => AgentHeads.ValueOnly(actions, Settings.Bins);
    public bool UsesReplay => true;
    public double DefaultLearningRate => Settings.LearningRate;
    public object HyperParameters => Settings;
    public void Initialize(LearnerCore core) { }

    /// <summary>
    /// V-trace over [T, B]: values v [T+1, B], rewards, discounts (γ·(1−terminal)) and ρ [T, B] →
    /// (value targets v_s [T, B], policy-gradient advantages [T, B]).
    /// </summary>
    public static (Tensor Targets, Tensor PgAdvantages) Vtrace(Tensor v, Tensor rewards, Tensor discounts, Tensor rho, double lambda)
    {
        long t = rewards.shape[0];
        var clipped = rho.clamp_max(1.0);
        var c = lambda * clipped;
        var vTm1 = v.narrow(0, 0, t);
        var vT = v.narrow(0, 1, t);
        var td = clipped * (rewards + discounts * vT - vTm1);
        var errs = new Tensor[t];
        var acc = zeros_like(td[0]);
        for (long i = t - 1; i >= 0; i--)
        {
            acc = td[i] + discounts[i] * c[i] * acc;
            errs[i] = acc;
        }
        var targets = stack(errs, 0) + vTm1;
        // q estimate bootstraps from λ·v_s(t+1) + (1−λ)·v(t+1), and from v(T) at the end.
        var boot = cat([lambda * targets.narrow(0, 1, t - 1) + (1 - lambda) * vTm1.narrow(0, 1, t - 1), v.narrow(0, t, 1)], 0);
        var pgAdv = clipped * (rewards + discounts * boot - vTm1);
        return (targets, pgAdv);
    }

    public Dictionary<string, double> Update(LearnerCore core, TrajectoryBatch batch, bool withLogs = true)
    {
        using var scope = NewDisposeScope();
        var s = Settings;
        var (obs, actions, behaviour, rewards, terminal) = batch.ToTensors(core.ObservationShape, core.Device);
        long t = batch.T, t1 = t + 1, b = batch.B, a = batch.Actions;
        var flat = obs.reshape(t1 * b, core.ObservationShape[0], core.ObservationShape[1], core.ObservationShape[2]);
        var f = core.Time("forward", () => core.Network.Forward(core.Parameters, flat));
        var logits = f.Logits.reshape(t1, b, a);
        var vLogits = f.V!.reshape(t1, b, s.Bins);
        var act = DropLast(actions);
        var (targets, adv) = core.Time("rule", () =>
        {
            using var _ = no_grad();
            var v = SignedParabolic(FromTwoHot(vLogits.detach().softmax(-1).to(float64), -s.MaxAbsValue, s.MaxAbsValue));
            var logPi = SelectAction(DropLast(logits.detach()).log_softmax(-1).unsqueeze(-1), act).squeeze(-1);
            var logMu = SelectAction(DropLast(behaviour).log_softmax(-1).unsqueeze(-1), act).squeeze(-1);
            var rho = (logPi - logMu).to(float64).exp();
            var discounts = (1 - terminal.to(float64)) * s.Discount;
            var (tg, pg) = Vtrace(v, rewards.to(float64), discounts, rho, s.VtraceLambda);
            return (ToTwoHot(SignedHyperbolic(tg), -s.MaxAbsValue, s.MaxAbsValue, s.Bins).to(float32), pg.to(float32));
        });
        var (loss, pgLoss, valueLoss, entropy) = core.Time("forward", () =>
        {
            var logP = DropLast(logits).log_softmax(-1);
            var logPA = SelectAction(logP.unsqueeze(-1), act).squeeze(-1);                  // [T, B]
            var pgl = -logPA * adv;
            var vl = -(targets * DropLast(vLogits).log_softmax(-1)).sum(-1);
            var ent = -(logP.exp() * logP).sum(-1);
            var perStep = s.PgCost * pgl + s.ValueCost * vl - s.EntropyCost * ent;
            var mask = batch.LossMask(core.MaskEpisodeStarts, core.Device);                  // [T, B]
            return ((perStep * mask).sum() / (mask.sum() + 1e-8), pgl, vl, ent);
        });
        core.ApplyGradients(loss);
        return new Dictionary<string, double>
        {
            ["loss"] = loss.item<float>(),
            ["pg_loss"] = pgLoss.mean().item<float>(),
            ["value_loss"] = valueLoss.mean().item<float>(),
            ["entropy"] = entropy.mean().item<float>(),
            ["advantage"] = adv.mean().item<float>(),
        };
    }

    public Dictionary<string, NpyArray> SaveState() => new();
    public void LoadState(IReadOnlyDictionary<string, NpyArray> arrays, Device device) { }
}
