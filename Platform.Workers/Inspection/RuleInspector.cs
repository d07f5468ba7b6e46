using Platform.Data.Npz;
using Platform.Data.Runs;
using Platform.Workers.Environments;
using Platform.Workers.Learning;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.ActorCritic;
using Platform.Workers.UpdateRules.Disco;
using Platform.Workers.UpdateRules.Ppo;
using static Platform.Workers.UpdateRules.RuleMath;
using static TorchSharp.torch;

namespace Platform.Workers.Inspection;

/// <summary>What to inspect: an agent checkpoint, the rule to apply (default: the agent's own), where and how long.</summary>
/// <remarks>Episodes and the probe horizon are the inspect option table's (<see cref="InspectOptions"/>), which the CLI and the API share.</remarks>
public sealed record InspectionRequest(string Checkpoint, string? Rule, string? Env, int Episodes, ulong Seed, int EndsWithinK,
    int ProbeComponents = 16, string Device = "cpu")
{
    /// <summary>A lane whose episodes never end stops the rollout here (steps per lane).</summary>
    public const int MaxStepsPerLane = 20_000;
}

/// <summary>
/// The rule inspector (issue #17): rolls out a checkpoint's agent, applies a rule to the rollout exactly as the learner
/// does — [T+1, B] windows, the agent's online and target outputs, its state carried from window to window (starting
/// from the checkpoint's saved rule state when the rule is the agent's own) — and records per step and action what the
/// rule asks (π̂ and the implied advantage log π̂(a) − log π(a), or a baseline's own advantage) beside classical
/// advantages computed from the same data, y and z summaries, and probes of what y and z encode.
/// Windows tile each lane (each starts at the previous one's last state), so every transition is inspected once.
/// </summary>
public static class RuleInspector
{
    private sealed class Lane
    {
        public readonly List<InspectedStepBuilder> Steps = [];
        public double BootstrapValue;
    }

    /// <summary>A step while its lane is still rolling: the GAE, principal components and frame come at the end.</summary>
    private sealed class InspectedStepBuilder
    {
        public int Lane, T, Action;
        public float Reward, RuleAdvantage, Value, Entropy;
        public bool EpisodeStart, EpisodeEnd;
        public float[] Pi = [];
        public float[]? PiHat, Implied, QAdvantage, Y, Z;
        public float? YNorm, ZNorm, YHatNorm, ZHatNorm, YKl, ZKl;
        public string? Frame;
        public double Gae;
    }

    public static InspectionReport Inspect(InspectionRequest o)
    {
        if (InspectOptions.Episodes.CheckRange(o.Episodes) is not null) throw new ArgumentException($"--episodes must be {InspectOptions.Episodes.RangeDescription}");
        if (InspectOptions.EndsWithin.CheckRange(o.EndsWithinK) is not null) throw new ArgumentException($"--ends-within must be {InspectOptions.EndsWithin.RangeDescription}");
        var device = TorchDevices.Parse(o.Device);
        var policy = Policy.Load(o.Checkpoint, device);
        var config = policy.Config;
        var envId = o.Env ?? config.Env;
        if (!EnvironmentRegistry.Contains(envId)) throw new ArgumentException($"--env: unknown environment '{envId}'");
        var spec = EnvironmentRegistry.Get(envId);
        var trained = EnvironmentRegistry.Get(config.Env);
        if (!spec.ObservationShape.SequenceEqual(trained.ObservationShape) || spec.ActionCount != trained.ActionCount)
            throw new ArgumentException($"{envId}: observation or action shape differs from the trained environment {config.Env}");

        var ruleName = o.Rule ?? config.Rule;
        bool agentIsDisco = LearnerRules.Heads(config.Rule, spec.ActionCount).Model;
        bool ruleIsDisco = ruleName is not (RuleCatalog.ActorCritic or RuleCatalog.Ppo);
        if (agentIsDisco != ruleIsDisco)
            throw new ArgumentException(ruleIsDisco
                ? $"--rule {ruleName} reads y, z and q predictions: this agent was trained with {config.Rule} and has none"
                : $"--rule {ruleName} needs its own value head: this agent was trained with {config.Rule}");
        if (!ruleIsDisco && ruleName != config.Rule)
            throw new ArgumentException($"--rule {ruleName}: a baseline is inspected on its own agent (this one was trained with {config.Rule})");
        var rule = LearnerRules.Create(ruleName, device, config.EntropyCost);

        var target = policy.Network.Specs.Select(s => zeros(s.Shape, device: device)).ToList();
        var targetFile = Path.Combine(policy.Checkpoint, "target.npz");
        if (File.Exists(targetFile)) LearnerCore.LoadInto(policy.Network, target, Npz.Read(targetFile), "target.npz");
        else using (no_grad()) for (int i = 0; i < target.Count; i++) target[i].copy_(policy.Parameters[i]);

        string ruleState = "initial";
        DiscoRuleState? state = null;
        if (rule is DiscoLearnerRule disco)
        {
            state = disco.Rule.InitialState();
            var stateFile = Path.Combine(policy.Checkpoint, "rule_state.npz");
            if (ruleName == config.Rule && File.Exists(stateFile))
            {
                disco.LoadState(Npz.Read(stateFile), device);
                state = disco.State;
                ruleState = "checkpoint";
            }
        }
        var (discount, lambda) = rule switch
        {
            DiscoLearnerRule d => (d.Rule.HyperParameters.ValueSettings.Discount, d.Rule.HyperParameters.ValueSettings.Lambda),
            ActorCriticRule ac => (ac.Settings.Discount, ac.Settings.VtraceLambda),
            PpoRule ppo => (ppo.Settings.Discount, ppo.Settings.GaeLambda),
            _ => throw new InvalidOperationException(ruleName),
        };

        int lanesCount = Math.Min(o.Episodes, InspectOptions.MaxLanes), t = config.RolloutLength;
        var pool = new ActorPool(envId, lanesCount, o.Seed, config.EnvironmentOptions());
        var rng = new LearnerRng(o.Seed * 0x9E3779B97F4A7C15UL + 7);
        var shape = spec.ObservationShape.ToArray();
        Tensor PolicyLogits(float[] obs) => policy.Network.Logits(policy.Parameters, tensor(obs, [lanesCount, shape[0], shape[1], shape[2]]).to(device));
        var lanes = Enumerable.Range(0, lanesCount).Select(_ => new Lane()).ToArray();
        int window = 0;
        while (pool.EpisodeReturns.Count < o.Episodes && (long)window * t < InspectionRequest.MaxStepsPerLane)
        {
            var batch = pool.Rollout(t, PolicyLogits, rng);
            using (no_grad())
            using (NewDisposeScope())
            {
                var stepState = InspectWindow(batch, window * t, lanes, policy, target, rule, state, shape, discount, lambda, device);
                if (stepState is not null)
                {
                    foreach (var x in stepState.Tensors) x.MoveToOuterDisposeScope();
                    state = stepState;
                }
            }
            window++;
        }

        // GAE over each whole lane (not cut at window ends), with the agent's own value; bootstrapped at the lane's end.
        foreach (var lane in lanes)
        {
            double acc = 0;
            for (int i = lane.Steps.Count - 1; i >= 0; i--)
            {
                var s = lane.Steps[i];
                double next = i + 1 < lane.Steps.Count ? lane.Steps[i + 1].Value : lane.BootstrapValue;
                double d = s.EpisodeEnd ? 0 : discount;
                acc = s.Reward + d * next - s.Value + d * lambda * acc;
                s.Gae = acc;
            }
        }

        var steps = lanes.SelectMany(l => l.Steps).ToList();
        var episodes = Episodes(lanes);
        var summary = Summarise(steps, episodes, discount, o, out var yPc, out var zPc);
        var channels = spec.ChannelNames.ToList();
        return new InspectionReport(InspectionReport.SchemaId, policy.Checkpoint, envId, ruleName, config.Rule, ruleState,
            spec.ActionNames.ToList(),
            new InspectionSettings(o.Episodes, o.Seed, lanesCount, t, discount, lambda, o.EndsWithinK, o.ProbeComponents, [shape[0], shape[1]], channels),
            steps.Select((s, i) => new InspectedStep(s.Lane, s.T, s.Action, s.Reward, s.EpisodeStart, s.EpisodeEnd, s.Pi, s.PiHat, s.Implied,
                s.RuleAdvantage, (float)s.Gae, s.Value, s.QAdvantage, s.Entropy, s.YNorm, s.ZNorm,
                yPc?[i].Take(2).Select(v => (float)v).ToArray(), zPc?[i].Take(2).Select(v => (float)v).ToArray(),
                s.YHatNorm, s.ZHatNorm, s.YKl, s.ZKl, s.Frame)).ToList(),
            episodes, summary);
    }

    /// <summary>One [T+1, B] window: the agent's outputs, the rule's targets and advantages per step; returns the rule's new state.</summary>
    private static DiscoRuleState? InspectWindow(TrajectoryBatch batch, int t0, Lane[] lanes, Policy policy, List<Tensor> target,
        ILearnerRule rule, DiscoRuleState? state, int[] shape, double discount, double lambda, Device device)
    {
        var (obs, actions, behaviour, rewards, terminal) = batch.ToTensors(shape, device);
        long t = batch.T, t1 = t + 1, b = batch.B, a = batch.Actions;
        var flat = obs.reshape(t1 * b, shape[0], shape[1], shape[2]);
        var forward = policy.Network.Forward(policy.Parameters, flat);
        var logits = forward.Logits.reshape(t1, b, a);                                       // [T+1, B, A]
        var logPi = DropLast(logits).log_softmax(-1);                                        // [T, B, A]
        Tensor ruleAdvantage, value;                                                          // [T, B], [T+1, B]
        Tensor? piHat = null, implied = null, qAdv = null, y = null, z = null, yHat = null, zHat = null;
        DiscoRuleState? newState = null;
        var discounts = (1 - terminal.to(float64)) * discount;                                // [T, B]
        switch (rule)
        {
            case DiscoLearnerRule disco:
            {
                var online = DiscoLearnerRule.ToAgentOutputs(forward, t1, b);
                var targetOut = DiscoLearnerRule.ToAgentOutputs(policy.Network.Forward(target, flat), t1, b);
                var outputs = disco.Rule.Apply(new RuleInputs(online, targetOut, behaviour, rewards, terminal, actions), state!);
                newState = outputs.NewState.Detach();
                var logPiHat = outputs.Meta.Pi.log_softmax(-1);                              // [T, B, A]
                piHat = logPiHat.exp();
                implied = logPiHat - logPi;                                                   // [T, B, A]
                ruleAdvantage = SelectAction(implied.unsqueeze(-1), DropLast(actions).to(int64)).squeeze(-1);
                value = outputs.Values.Value;                                                 // [T+1, B] Σ_a π(a)·Q(a), online
                qAdv = DropLast(outputs.Values.QvAdv);                                        // [T, B, A]
                y = DropLast(online.Y).log_softmax(-1);                                       // [T, B, P]
                z = online.Taken(actions).Z.log_softmax(-1);                                  // [T, B, P]
                yHat = outputs.Meta.Y.log_softmax(-1);
                zHat = outputs.Meta.Z.log_softmax(-1);
                break;
            }
            case ActorCriticRule ac:
            {
                var s = ac.Settings;
                var vLogits = forward.V!.reshape(t1, b, s.Bins);
                value = SignedParabolic(FromTwoHot(vLogits.softmax(-1).to(float64), -s.MaxAbsValue, s.MaxAbsValue));
                // On-policy: the actor's logits are the agent's, ρ = 1 (up to float rounding, as the learner computes it).
                var act = DropLast(actions).to(int64);
                var logMu = SelectAction(DropLast(behaviour).log_softmax(-1).unsqueeze(-1), act).squeeze(-1);
                var rho = (SelectAction(logPi.unsqueeze(-1), act).squeeze(-1) - logMu).to(float64).exp();
                ruleAdvantage = ActorCriticRule.Vtrace(value, rewards.to(float64), discounts, rho, s.VtraceLambda).PgAdvantages;
                break;
            }
            case PpoRule:
                value = forward.V!.reshape(t1, b).to(float64);
                ruleAdvantage = PpoRule.Gae(value, rewards.to(float64), discounts, lambda);
                break;
            default:
                throw new InvalidOperationException(rule.Name);
        }

        var pi = logPi.exp();
        var entropy = -(pi * logPi).sum(-1);                                                  // [T, B]
        float[] Host(Tensor x) => x.to(float32).cpu().contiguous().data<float>().ToArray();
        var (piH, piHatH, impliedH, advH, valueH, qAdvH, entH) = (Host(pi), piHat is null ? null : Host(piHat), implied is null ? null : Host(implied),
            Host(ruleAdvantage), Host(value), qAdv is null ? null : Host(qAdv), Host(entropy));
        float[]? Norms(Tensor? x) => x is null ? null : Host((x - x.mean([-1], keepdim: true)).norm(-1));   // [T, B]: centred log-probabilities
        var (yN, zN, yHatN, zHatN) = (Norms(y), Norms(z), Norms(yHat), Norms(zHat));
        float[]? Kl(Tensor? p, Tensor? q) => p is null ? null : Host((p.exp() * (p - q!)).sum(-1));
        var (yKl, zKl) = (Kl(yHat, y), Kl(zHat, z));
        var (yH, zH) = (y is null ? null : Host(y), z is null ? null : Host(z));
        long p = y?.shape[^1] ?? 0;
        int obsSize = batch.ObsSize, channels = shape[2];
        for (int s = 0; s < t; s++)
            for (int i = 0; i < b; i++)
            {
                int k = (int)(s * b + i);
                float[] Row(float[] src, long width) => src.AsSpan((int)(k * width), (int)width).ToArray();
                lanes[i].Steps.Add(new InspectedStepBuilder
                {
                    Lane = i, T = t0 + s, Action = (int)batch.ActionsTaken[k], Reward = batch.Rewards[k],
                    EpisodeStart = s == 0 && t0 == 0 || batch.EpisodeStart[k] > 0, EpisodeEnd = batch.IsTerminal[k] > 0,
                    Pi = Row(piH, a), PiHat = piHatH is null ? null : Row(piHatH, a), Implied = impliedH is null ? null : Row(impliedH, a),
                    RuleAdvantage = advH[k], Value = valueH[k], QAdvantage = qAdvH is null ? null : Row(qAdvH, a), Entropy = entH[k],
                    Y = yH is null ? null : Row(yH, p), Z = zH is null ? null : Row(zH, p),
                    YNorm = yN?[k], ZNorm = zN?[k], YHatNorm = yHatN?[k], ZHatNorm = zHatN?[k], YKl = yKl?[k], ZKl = zKl?[k],
                    Frame = i == 0 ? Frame(batch.Observations.AsSpan(k * obsSize, obsSize), channels) : null,
                });
            }
        for (int i = 0; i < b; i++) lanes[i].BootstrapValue = valueH[(int)(t * b + i)];
        return newState;
    }

    /// <summary>An observation [H, W, C] as H×W base-36 digits: each cell's first active channel (1-based), 0 for none.</summary>
    private static string Frame(ReadOnlySpan<float> obs, int channels)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var cells = new char[obs.Length / channels];
        for (int c = 0; c < cells.Length; c++)
        {
            int first = 0;
            for (int k = 0; k < channels && first == 0; k++) if (obs[c * channels + k] > 0.5f) first = Math.Min(k + 1, digits.Length - 1);
            cells[c] = digits[first];
        }
        return new string(cells);
    }

    private static List<InspectedEpisode> Episodes(Lane[] lanes)
    {
        var episodes = new List<InspectedEpisode>();
        for (int l = 0; l < lanes.Length; l++)
        {
            int start = 0;
            float ret = 0;
            var steps = lanes[l].Steps;
            for (int i = 0; i < steps.Count; i++)
            {
                ret += steps[i].Reward;
                if (!steps[i].EpisodeEnd) continue;
                episodes.Add(new InspectedEpisode(l, steps[start].T, steps[i].T, ret, true));
                (start, ret) = (i + 1, 0);
            }
            if (start < steps.Count) episodes.Add(new InspectedEpisode(l, steps[start].T, steps[^1].T, ret, false));
        }
        return episodes;
    }

    /// <summary>
    /// Correlations and sign agreement over every step; probes over the steps of complete episodes, every fifth episode
    /// (at least one) held out: targets the discounted return from the step, "the episode ends within k steps" and the
    /// policy's entropy, features the first principal components of y (and of z at the taken action).
    /// </summary>
    private static InspectionSummary Summarise(List<InspectedStepBuilder> steps, List<InspectedEpisode> episodes, double discount,
        InspectionRequest o, out double[][]? yPc, out double[][]? zPc)
    {
        var rule = steps.Select(s => (double)s.RuleAdvantage).ToList();
        var classical = new Dictionary<string, List<double>> { ["gae"] = steps.Select(s => s.Gae).ToList() };
        if (steps.Count > 0 && steps[0].QAdvantage is not null)
            classical["q_advantage"] = steps.Select(s => (double)s.QAdvantage![s.Action]).ToList();
        var correlation = classical.ToDictionary(kv => kv.Key, kv => InspectionStatistics.Pearson(rule, kv.Value));
        var agreement = classical.ToDictionary(kv => kv.Key, kv => InspectionStatistics.SignAgreement(rule, kv.Value));
        var complete = episodes.Where(e => e.Complete).ToList();

        yPc = zPc = null;
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>>? probes = null;
        string? split = null;
        if (steps.Count > 1 && steps[0].Y is not null)
        {
            yPc = InspectionStatistics.PrincipalScores(steps.Select(s => s.Y!).ToList(), o.ProbeComponents);
            zPc = InspectionStatistics.PrincipalScores(steps.Select(s => s.Z!).ToList(), o.ProbeComponents);
            if (complete.Count >= 2)
            {
                // Targets on the steps of complete episodes; every fifth episode in (lane, start) order held out.
                var index = new Dictionary<(int Lane, int T), int>();
                for (int i = 0; i < steps.Count; i++) index[(steps[i].Lane, steps[i].T)] = i;
                var rows = new List<int>();
                int heldEpisodes = 0;
                var (ret, ends, held) = (new List<double>(), new List<double>(), new List<bool>());
                for (int e = 0; e < complete.Count; e++)
                {
                    var ep = complete[e];
                    bool heldOut = complete.Count < 5 ? e == complete.Count - 1 : e % 5 == 4;
                    if (heldOut) heldEpisodes++;
                    double g = 0;
                    var episodeRows = new List<(int Row, double G, double Ends)>();
                    for (int tt = ep.EndT; tt >= ep.StartT; tt--)
                    {
                        var i = index[(ep.Lane, tt)];
                        g = steps[i].Reward + discount * g;
                        episodeRows.Add((i, g, ep.EndT - tt < o.EndsWithinK ? 1 : 0));
                    }
                    foreach (var (row, gg, en) in episodeRows)
                    {
                        rows.Add(row); ret.Add(gg); ends.Add(en); held.Add(heldOut);
                    }
                }
                var entropy = rows.Select(i => (double)steps[i].Entropy).ToList();
                IReadOnlyDictionary<string, double?> Probe(double[][] pcs)
                {
                    var features = rows.Select(i => pcs[i]).ToList();
                    return new Dictionary<string, double?>
                    {
                        ["discounted_return"] = InspectionStatistics.HeldOutR2(features, ret, held),
                        [$"ends_within_{o.EndsWithinK}"] = InspectionStatistics.HeldOutR2(features, ends, held),
                        ["policy_entropy"] = InspectionStatistics.HeldOutR2(features, entropy, held),
                    };
                }
                probes = new Dictionary<string, IReadOnlyDictionary<string, double?>> { ["y"] = Probe(yPc), ["z"] = Probe(zPc) };
                split = $"held out: {held.Count(h => h)} steps of {heldEpisodes} episodes (every fifth); fitted on {held.Count(h => !h)} steps of {complete.Count - heldEpisodes}";
            }
        }
        return new InspectionSummary(steps.Count, complete.Count, complete.Count > 0 ? complete.Average(e => (double)e.Return) : null,
            correlation, agreement, probes, split);
    }
}
