using System.Diagnostics;
using Platform.Data.MetaNetworks;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.Disco;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.Benchmarks;

/// <summary>Timings of one Disco rule application and of the machine's fp32 matmul, in one run.</summary>
public sealed record RuleBenchmarkResult(
    int T, int B, int A, string Device, int Threads,
    double MatmulGflops, double ForwardMs, double ForwardBackwardMs, double ForwardGflop, double ReferenceFormulationGflop)
{
    public double ForwardGflops => ForwardGflop / (ForwardMs / 1000);
    public double Fraction => ForwardGflops / MatmulGflops;

    /// <summary>Throughput credited with the matmul FLOPs of the reference's formulation (which recomputes embeddings).</summary>
    public double EffectiveFraction => ReferenceFormulationGflop / (ForwardMs / 1000) / MatmulGflops;
}

/// <summary>
/// Measures the Disco rule on synthetic inputs of a given size: forward only (what agent
/// training needs) and forward + backward into the meta-parameters (what meta-training needs),
/// and the device's fp32 matmul throughput (square n = 2048 on CPU, 8192 on CUDA) as the yardstick.
/// </summary>
public static class RuleBenchmark
{
    public static RuleBenchmarkResult Run(int t, int b, int a, Device device, int iterations, DiscoMetaParameters weights)
    {
        var eta = weights.To(device).CloneRequiringGrad();
        var rule = new DiscoUpdateRule(eta);
        var inputs = SyntheticInputs(t, b, a, eta.Architecture.PredictionSize, rule.HyperParameters.ValueSettings.Bins, device);
        var state = rule.InitialState();

        // Rounds alternate the matmul yardstick with the rule, and each keeps its best time, so a
        // burst of load from other processes affects both alike.
        int n = device.type == DeviceType.CUDA ? 8192 : 2048;
        using var x = randn(n, n, device: device);
        using var y = randn(n, n, device: device);
        double matmul = double.MaxValue, forward = double.MaxValue, forwardBackward = double.MaxValue;
        for (int round = 0; round < iterations + 2; round++)
        {
            bool warmup = round < 2;
            double m = Time(device, () => x.matmul(y));
            double f = Time(device, () =>
            {
                using var _ = no_grad();
                var o = rule.Apply(inputs, state);
                rule.AgentLoss(inputs, o, backprop: false);
                rule.ValueLoss(inputs, o);
            });
            double fb = Time(device, () =>
            {
                var o = rule.Apply(inputs, state);
                rule.AgentLoss(inputs, o, backprop: true).PerStep.mean().backward();
                foreach (var p in eta.Tensors) p.grad?.zero_();
            });
            if (warmup) continue;
            (matmul, forward, forwardBackward) = (Math.Min(matmul, m), Math.Min(forward, f), Math.Min(forwardBackward, fb));
        }
        double gflops = 2.0 * n * n * n / (matmul / 1000) / 1e9;
        return new RuleBenchmarkResult(t, b, a, device.type.ToString(), get_num_threads(),
            gflops, forward, forwardBackward, ForwardFlops(t, b, a, eta.Architecture) / 1e9,
            ReferenceFormulationFlops(t, b, a, eta.Architecture) / 1e9);
    }

    /// <summary>
    /// Matmul FLOPs (2·m·n·k) of one forward as this implementation executes it; elementwise work
    /// (softmaxes over 600/601 bins, gates) is not counted, so the fraction is a lower bound.
    /// </summary>
    public static double ForwardFlops(int t, int b, int a, DiscoArchitecture arch)
    {
        double tb = (double)t * b, t1b = (double)(t + 1) * b;
        int p = arch.PredictionSize, e = arch.EmbeddingHidden, h = arch.HiddenSize, mh = arch.MetaHiddenSize;
        double flops = 0;
        // Two input-network sets (trajectory net and meta-RNN), each embedding y and z of agent and target.
        flops += 2 * 2 * 2 * (t1b * p * e + t1b * e);                 // y MLPs
        flops += 2 * 2 * 2 * (t1b * a * p * e + t1b * a * e);         // z MLPs
        flops += 2 * 2 * tb * a * (2 * 9 * arch.PolicyChannels1 + 2 * arch.PolicyChannels1 * arch.PolicyChannels2);
        flops += 2 * tb * (arch.MetaInputSize + h) * 4 * h;           // trajectory LSTM
        flops += 2 * tb * h * (1 + 2 * p);                            // heads (meta-input embedding, ŷ, ẑ)
        flops += 2 * tb * (h * arch.PolicyTargetChannels + a * (2 * arch.PolicyChannels2 + 1) * arch.PolicyTargetChannels);
        flops += 2 * tb * (p * e + e) + 2 * tb * (arch.MetaInputSize + 2) * arch.MetaEmbeddingSize; // meta-RNN inputs
        flops += 2 * (arch.MetaEmbeddingSize + mh) * 4 * mh + 2 * mh * h;
        return flops;
    }

    /// <summary>
    /// Matmul FLOPs of the same forward as the reference code formulates it: each of the 8 input
    /// transforms that reads y or z applies its embedding MLP anew (per input network), and the π-head
    /// block multiplies the per-action concatenation [x, e, mean x, mean e] (2(H+C) wide) for every action.
    /// </summary>
    public static double ReferenceFormulationFlops(int t, int b, int a, DiscoArchitecture arch)
    {
        double tb = (double)t * b, t1b = (double)(t + 1) * b;
        int p = arch.PredictionSize, e = arch.EmbeddingHidden, h = arch.HiddenSize;
        double zRows = 2 * (tb * a) + 2 * (t1b * a);                      // select_a and action channel: T; π-mean and max: T+1
        double flops = ForwardFlops(t, b, a, arch);
        flops -= 2 * 2 * 2 * (t1b * a * p * e + t1b * a * e);              // replace our one pass per z tensor…
        flops += 2 * 2 * 2 * zRows * (p * e + e);                          // …by one per transform (2 sources × 2 networks)
        flops += 2 * tb * a * 2 * (h + arch.PolicyChannels2) * arch.PolicyTargetChannels
                 - 2 * tb * (h * arch.PolicyTargetChannels + a * (2 * arch.PolicyChannels2 + 1) * arch.PolicyTargetChannels);
        return flops;
    }

    /// <summary>Wall time of one call in milliseconds (tensors it creates are freed).</summary>
    private static double Time(Device device, Action body)
    {
        using var scope = NewDisposeScope();
        Synchronize(device);
        var sw = Stopwatch.StartNew();
        body();
        Synchronize(device);
        return sw.Elapsed.TotalMilliseconds;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize();
    }

    public static RuleInputs SyntheticInputs(int t, int b, int a, int p, int bins, Device device, long seed = 0)
    {
        using var g = new Generator((ulong)seed, device);
        AgentOutputs Outs() => new(randn(t + 1, b, a, generator: g, device: device), randn(t + 1, b, p, generator: g, device: device),
            randn(new long[] { t + 1, b, a, p }, generator: g, device: device), randn(new long[] { t + 1, b, a, a }, generator: g, device: device),
            randn(new long[] { t + 1, b, a, bins }, generator: g, device: device));
        return new RuleInputs(Outs(), Outs(), randn(t + 1, b, a, generator: g, device: device),
            randn(t, b, generator: g, device: device), (rand(t, b, generator: g, device: device) < 0.05).to(float32),
            randint(0, a, new long[] { t + 1, b }, generator: g, device: device));
    }
}
