using TorchSharp;
using static TorchSharp.torch;
using static Platform.Workers.UpdateRules.RuleMath;
using Arch = Platform.Data.MetaNetworks.DiscoArchitecture;

namespace Platform.Workers.UpdateRules.Disco;

/// <summary>The meta-network's targets for the agent. Shapes beside each field.</summary>
public sealed record MetaNetOutputs(
    Tensor Pi,             // [T, B, A] policy target logits (π̂)
    Tensor Y,              // [T, B, P] ŷ logits
    Tensor Z,              // [T, B, P] ẑ logits (for the taken action)
    Tensor MetaInputEmb);  // [T, B, 1] extra input for the meta-RNN

/// <summary>
/// The Disco meta-network as a pure function of (η, rollout, value outputs, meta-RNN state):
/// 1. per-step inputs (23 scalars + 4 from per-action "conv" blocks = 27);
/// 2. an LSTM over each trajectory, backwards in time, reset at episode ends;
/// 3. multiplicative modulation by the lifetime meta-RNN's hidden state;
/// 4. heads for ŷ, ẑ, the meta-RNN input embedding and π̂;
/// 5. one step of the meta-RNN on the batch-and-time average of its own embedding of the same inputs.
/// The y and z embeddings of both input-network sets share one pass over each softmax input;
/// matmuls that do not depend on the recurrence are batched over time.
/// </summary>
public static class DiscoMetaNetwork
{
    /// <summary>Runs the meta-network. metaHidden/metaCell [H_meta] → new state.</summary>
    public static (MetaNetOutputs Outputs, Tensor MetaHidden, Tensor MetaCell) Forward(
        DiscoMetaParameters eta, RuleInputs inputs, QValueOutputs values, Tensor metaHidden, Tensor metaCell)
    {
        var shared = SharedFeatures.From(inputs, values);

        // Input networks: one set for the per-trajectory network, one for the meta-RNN. Their y and z
        // embeddings share one pass over each [.., 600] tensor (the bulk of the rule's memory traffic).
        var (yMain, yMeta) = EmbedBoth(inputs.AgentOut.Y, eta, Arch.YNet0, Arch.YNet1, Arch.MetaYNet0, Arch.MetaYNet1);
        var (targetYMain, targetYMeta) = EmbedBoth(inputs.TargetOut.Y, eta, Arch.YNet0, Arch.YNet1, Arch.MetaYNet0, Arch.MetaYNet1);
        var (zMain, zMeta) = EmbedBoth(inputs.AgentOut.Z, eta, Arch.ZNet0, Arch.ZNet1, Arch.MetaZNet0, Arch.MetaZNet1);
        var (targetZMain, targetZMeta) = EmbedBoth(inputs.TargetOut.Z, eta, Arch.ZNet0, Arch.ZNet1, Arch.MetaZNet0, Arch.MetaZNet1);
        var mainInputs = BuildInputs(eta, shared, new Embeddings(yMain, targetYMain, zMain, targetZMain),
            Arch.PolicyConv0, Arch.PolicyConv1);                                            // [T, B, 27], [T, B, A, 2]
        var metaEmbeddings = new Embeddings(yMeta, targetYMeta, zMeta, targetZMeta);

        // Per-trajectory LSTM, backwards in time so each step sees its future (for bootstrapping).
        var x = ReverseLstm(mainInputs.Features, inputs.IsTerminal, eta[Arch.TrajectoryLstm + "/w"],
            eta[Arch.TrajectoryLstm + "/b"]);                                               // [T, B, H]

        // Lifetime modulation: x ⊙ Linear(meta-RNN hidden).
        x = x * Linear(metaHidden, eta, Arch.Modulation);                                   // [T, B, H]

        var metaInputEmb = Linear(x, eta, Arch.MetaInputEmbHead);                           // [T, B, 1]
        var yHat = Linear(x, eta, Arch.YHead);                                              // [T, B, P]
        var zHat = Linear(x, eta, Arch.ZHead);                                              // [T, B, P]
        var piHat = PolicyHead(eta, x, mainInputs.ActionEmbedding);                         // [T, B, A]

        var (h, c) = MetaRnnStep(eta, shared, metaEmbeddings, metaInputEmb, yHat, metaHidden, metaCell);
        return (new MetaNetOutputs(piHat, yHat, zHat, metaInputEmb), h, c);
    }

    /// <summary>Quantities both input networks read, computed once per application.</summary>
    private sealed record SharedFeatures(
        Tensor Actions,          // [T, B] int64
        Tensor OneHot,           // [T, B, A]
        Tensor Policy,           // [T+1, B, A] online π (stop-gradient)
        Tensor Behaviour,        // [T+1, B, A] μ
        Tensor TargetPolicy,     // [T+1, B, A]
        Tensor Scalars,          // [T, B, 8] features that need no meta-parameters (see From)
        Tensor ActionChannels)   // [T, B, A, 6] per-action channels that need no meta-parameters
    {
        public static SharedFeatures From(RuleInputs inputs, QValueOutputs v)
        {
            long a = inputs.A;
            var actions = DropLast(inputs.Actions).to(int64);
            Tensor policy, behaviour, targetPolicy, scalars, channels;
            using (no_grad())
            {
                policy = inputs.AgentOut.Logits.softmax(-1);
                behaviour = inputs.BehaviourLogits.softmax(-1);
                targetPolicy = inputs.TargetOut.Logits.softmax(-1);
                var signLogV = TdPair(SignedLogP1(v.Value).unsqueeze(-1));                 // [T, B, 2]
                scalars = cat([
                    SelectAction(DropLast(policy), actions).unsqueeze(-1),
                    SelectAction(DropLast(behaviour), actions).unsqueeze(-1),
                    SignedLogP1(inputs.Rewards).unsqueeze(-1),
                    (1 - inputs.IsTerminal).unsqueeze(-1),
                    signLogV,
                    SignedLogP1(v.Adv).unsqueeze(-1),
                    v.NormalizedAdv.unsqueeze(-1),
                    SelectAction(DropLast(targetPolicy), actions).unsqueeze(-1),
                ], -1);                                                                     // [T, B, 9]
                channels = stack([
                    DropLast(policy), DropLast(behaviour), DropLast(targetPolicy),
                    SignedLogP1(DropLast(v.TargetQValue)), SignedLogP1(DropLast(v.QvAdv)),
                    DropLast(v.NormalizedQvAdv),
                ], -1);                                                                     // [T, B, A, 6]
            }
            var oneHot = nn.functional.one_hot(actions, a).to(inputs.Rewards.dtype);
            return new SharedFeatures(actions, oneHot, policy, behaviour, targetPolicy, scalars, channels);
        }
    }

    private sealed record NetworkInputs(Tensor Features, Tensor ActionEmbedding);

    /// <summary>One input-network set's embeddings of softmax(y) [T+1, B, 1] and softmax(z) [T+1, B, A], agent and target.</summary>
    private sealed record Embeddings(Tensor Y, Tensor TargetY, Tensor Z, Tensor TargetZ);

    /// <summary>
    /// The two-layer embedding MLPs (P → 16 → 1, ReLU between) of the trajectory network and of the
    /// meta-RNN applied to softmax(v): their first layers are joined into one [P, 32] product.
    /// logits [..., P] → two [..., 1] (z's trailing axis of 1 is dropped: [..., A]).
    /// </summary>
    private static (Tensor Main, Tensor Meta) EmbedBoth(Tensor logits, DiscoMetaParameters eta,
        string main0, string main1, string meta0, string meta1)
    {
        var w0 = cat([eta[main0 + "/w"], eta[meta0 + "/w"]], 1);                          // [P, 2E]
        var b0 = cat([eta[main0 + "/b"], eta[meta0 + "/b"]], 0);
        var hidden = (SoftmaxMatmul(logits, w0) + b0).relu();                               // [..., 2E]
        long e = w0.shape[1] / 2;
        var main = Linear(hidden.narrow(-1, 0, e), eta, main1);
        var meta = Linear(hidden.narrow(-1, e, e), eta, meta1);
        return logits.dim() == 4 ? (main.squeeze(-1), meta.squeeze(-1)) : (main, meta);
    }

    /// <summary>The 27 per-step inputs of one input-network set, and its per-action embedding [T, B, A, 2].</summary>
    private static NetworkInputs BuildInputs(DiscoMetaParameters eta, SharedFeatures s, Embeddings emb0,
        string conv0, string conv1)
    {
        var (yEmb, targetYEmb, zEmb, targetZEmb) = (emb0.Y, emb0.TargetY, emb0.Z, emb0.TargetZ);

        // z embeddings reduced over actions: at the taken action, π-weighted mean, and max (as t, t+1 pairs).
        Tensor ZFeatures(Tensor e) => cat([
            SelectAction(DropLast(e), s.Actions).unsqueeze(-1),
            TdPair((e * s.Policy).sum(-1, keepdim: true)),
            TdPair(e.max(-1, keepdim: true).values),
        ], -1);                                                                             // [T, B, 5]

        // Per-action channels in the reference order: π, μ, π_target, z, z_target, Q_target, qv_adv, normalised qv_adv, one-hot(a).
        var channels = cat([
            s.ActionChannels.narrow(-1, 0, 3),
            DropLast(zEmb).unsqueeze(-1), DropLast(targetZEmb).unsqueeze(-1),
            s.ActionChannels.narrow(-1, 3, 3),
            s.OneHot.unsqueeze(-1),
        ], -1);                                                                             // [T, B, A, 9]
        var emb = ConvBlock(ConvBlock(channels, eta, conv0), eta, conv1);                  // [T, B, A, 2]

        var features = cat([
            s.Scalars,                                                                      // 9
            TdPair(yEmb), TdPair(targetYEmb),                                               // 4
            ZFeatures(zEmb), ZFeatures(targetZEmb),                                         // 10
            emb.mean([2]), SelectAction(emb, s.Actions),                                    // 4
        ], -1);                                                                             // [T, B, 27]
        return new NetworkInputs(features, emb);
    }

    /// <summary>
    /// LSTM over time in reverse, state zeroed at every step whose is_terminal is set, before that
    /// step is computed. x [T, B, I], isTerminal [T, B] → outputs [T, B, H] in time order.
    /// </summary>
    private static Tensor ReverseLstm(Tensor x, Tensor isTerminal, Tensor w, Tensor b)
    {
        long t = x.shape[0], batch = x.shape[1], inputSize = x.shape[2], hidden = w.shape[1] / 4;
        var inputGates = x.matmul(w.narrow(0, 0, inputSize)) + b;                          // [T, B, 4H], batched over time
        var wh = w.narrow(0, inputSize, hidden);                                            // [H, 4H]
        var keep = (1 - isTerminal).unsqueeze(-1);                                          // [T, B, 1]
        bool[] anyReset;
        using (no_grad()) anyReset = isTerminal.any(1).cpu().data<bool>().ToArray();      // [T] on the host
        var h = zeros([batch, hidden], dtype: x.dtype, device: x.device);
        var c = zeros([batch, hidden], dtype: x.dtype, device: x.device);
        var outputs = new Tensor[t];
        for (long i = t - 1; i >= 0; i--)
        {
            if (anyReset[i]) (h, c) = (h * keep[i], c * keep[i]);
            (h, c) = LstmCell(addmm(inputGates[i], h, wh, 1, 1), c);
            outputs[i] = h;
        }
        return stack(outputs, 0);
    }

    /// <summary>Haiku's LSTM update from pre-activation gates in (i, g, f, o) order, forget bias +1.</summary>
    private static (Tensor H, Tensor C) LstmCell(Tensor gates, Tensor c)
    {
        var parts = gates.chunk(4, -1);
        var cNew = (parts[2] + 1).sigmoid() * c + parts[0].sigmoid() * parts[1].tanh();
        return (parts[3].sigmoid() * cNew.tanh(), cNew);
    }

    /// <summary>
    /// π̂ logits. The reference concatenates x (repeated per action) with the action embedding,
    /// applies one conv block and a linear map; because x is the same for every action (and is its
    /// own action-mean), its part of the block's matmul is done once per step, not once per action.
    /// </summary>
    private static Tensor PolicyHead(DiscoMetaParameters eta, Tensor x, Tensor actionEmb)
    {
        var w = eta[Arch.PiConv + "/w"][0];                                                 // [2(H+C), O]
        long h = x.shape[2], c = actionEmb.shape[3];
        var wX = w.narrow(0, 0, h) + w.narrow(0, h + c, h);                                 // [H, O] (x and its mean)
        var wE = w.narrow(0, h, c);                                                         // [C, O]
        var wEMean = w.narrow(0, 2 * h + c, c);                                             // [C, O]
        var pre = x.matmul(wX).unsqueeze(2)                                                 // [T, B, 1, O]
                  + actionEmb.matmul(wE)                                                    // [T, B, A, O]
                  + actionEmb.mean([2], keepdim: true).matmul(wEMean)                      // [T, B, 1, O]
                  + eta[Arch.PiConv + "/b"];
        return Linear(pre.relu(), eta, Arch.PiHead).squeeze(-1);                           // [T, B, A]
    }

    /// <summary>
    /// One meta-RNN step: its own input networks rebuild the 27 inputs, joined with the
    /// meta-input embedding and an embedding of softmax(ŷ), embedded to 16, averaged over T and B.
    /// </summary>
    private static (Tensor H, Tensor C) MetaRnnStep(DiscoMetaParameters eta, SharedFeatures s, Embeddings embeddings,
        Tensor metaInputEmb, Tensor yHat, Tensor hidden, Tensor cell)
    {
        var metaInputs = BuildInputs(eta, s, embeddings, Arch.MetaPolicyConv0, Arch.MetaPolicyConv1);
        var yHatEmb = Linear((SoftmaxMatmul(yHat, eta[Arch.MetaYNet0 + "/w"]) + eta[Arch.MetaYNet0 + "/b"]).relu(),
            eta, Arch.MetaYNet1);                                                           // [T, B, 1]
        var x = cat([metaInputs.Features, metaInputEmb, yHatEmb], -1);                     // [T, B, 29]
        var pooled = Linear(x, eta, Arch.MetaEmbedding).mean([0, 1]);                       // [E]
        var gates = Linear(cat([pooled, hidden], -1), eta, Arch.MetaLstm);                  // [4H]
        return LstmCell(gates, cell);
    }

    private static Tensor Linear(Tensor x, DiscoMetaParameters eta, string name) =>
        x.matmul(eta[name + "/w"]).Plus(eta[name + "/b"]);

    /// <summary>Per-action block: each action's features joined with their mean over actions, a shared linear map, ReLU.</summary>
    private static Tensor ConvBlock(Tensor x, DiscoMetaParameters eta, string name)
    {
        var withMean = cat([x, x.mean([2], keepdim: true).expand_as(x)], -1);              // [T, B, A, 2C]
        return (withMean.matmul(eta[name + "/w"][0]) + eta[name + "/b"]).relu();
    }
}
