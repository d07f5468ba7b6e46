using Platform.Data.Npz;
using Platform.Workers.Checkpoints;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// The reference learner's optimiser: Adam moments (β1, β2, ε) with bias correction, update m̂ / (√v̂ + ε) where the
/// denominator carries no gradient (meta-gradients flow only through m̂), each element of that update clipped to
/// [−MaxAbsUpdate, MaxAbsUpdate], then scaled by −learning rate.
/// </summary>
public sealed record AdamClipSettings(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double MaxAbsUpdate = 1.0);

/// <summary>Optimiser state: step count and the two moments per parameter.</summary>
public sealed class AdamState(long count, List<Tensor> mu, List<Tensor> nu)
{
    public long Count { get; set; } = count;
    public List<Tensor> Mu { get; } = mu;
    public List<Tensor> Nu { get; } = nu;

    public static AdamState Zeros(IReadOnlyList<Tensor> parameters) => new(0,
        parameters.Select(p => zeros_like(p).detach()).ToList(), parameters.Select(p => zeros_like(p).detach()).ToList());

    /// <summary>count, mu/NAME and nu/NAME for the parameters' names (a checkpoint's optimiser file).</summary>
    public Dictionary<string, NpyArray> ToArrays(IReadOnlyList<string> names)
    {
        var arrays = new Dictionary<string, NpyArray> { ["count"] = NpyArray.Of(new long[] { Count }, 1) };
        for (int i = 0; i < names.Count; i++)
        {
            arrays[$"mu/{names[i]}"] = NpyTensors.FromTensor(Mu[i]);
            arrays[$"nu/{names[i]}"] = NpyTensors.FromTensor(Nu[i]);
        }
        return arrays;
    }

    /// <summary>Restores the state written by <see cref="ToArrays"/>, every array shape-checked, in place.</summary>
    public void Load(IReadOnlyDictionary<string, NpyArray> arrays, IReadOnlyList<string> names, string what)
    {
        using var _ = no_grad();
        Tensor Array(string key, Tensor like)
        {
            if (!arrays.TryGetValue(key, out var a)) throw new InvalidDataException($"{what}: missing {key}");
            if (!a.Shape.SequenceEqual(like.shape)) throw new InvalidDataException($"{what}: {key} has the wrong shape");
            return NpyTensors.ToTensor(a);
        }
        for (int i = 0; i < names.Count; i++)
        {
            using (var m = Array($"mu/{names[i]}", Mu[i])) Mu[i].copy_(m);
            using (var v = Array($"nu/{names[i]}", Nu[i])) Nu[i].copy_(v);
        }
        Count = arrays.TryGetValue("count", out var c) && c.Data is long[] { Length: 1 } n ? n[0] : throw new InvalidDataException($"{what}: missing count");
    }
}

public static class AdamClip
{
    /// <summary>In-place step for ordinary training: parameters and moments are updated without autograd.</summary>
    /// <param name="learningRateScales">Per parameter, a factor on the learning rate (null: 1 for every one).</param>
    /// <param name="epsilons">Per parameter, Adam's ε (null: <paramref name="s"/>'s for every one).</param>
    public static void Step(AdamClipSettings s, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> grads, AdamState state,
        IReadOnlyList<double>? learningRateScales = null, IReadOnlyList<double>? epsilons = null)
    {
        using var _ = no_grad();
        state.Count++;
        double c1 = 1 - Math.Pow(s.Beta1, state.Count), c2 = 1 - Math.Pow(s.Beta2, state.Count);
        for (int i = 0; i < parameters.Count; i++)
        {
            state.Mu[i].mul_(s.Beta1).add_(grads[i], alpha: 1 - s.Beta1);
            state.Nu[i].mul_(s.Beta2).addcmul_(grads[i], grads[i], value: 1 - s.Beta2);
            using var denom = (state.Nu[i] / c2).sqrt_().add_(epsilons?[i] ?? s.Eps);
            using var update = (state.Mu[i] / c1).div_(denom).clamp_(-s.MaxAbsUpdate, s.MaxAbsUpdate);
            parameters[i].add_(update, alpha: -s.LearningRate * (learningRateScales?[i] ?? 1));
        }
    }

    /// <summary>
    /// Functional step for meta-gradients: returns new parameters and moments as differentiable functions of the
    /// inputs, leaving the inputs untouched. The second moment enters through a stop-gradient (the reference's
    /// choice) unless <paramref name="stopGradientDenominator"/> is false (exact derivative, for gradient checks).
    /// </summary>
    public static (List<Tensor> Parameters, AdamState State) StepFunctional(AdamClipSettings s,
        IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> grads, AdamState state, bool stopGradientDenominator = true)
    {
        long count = state.Count + 1;
        double c1 = 1 - Math.Pow(s.Beta1, count), c2 = 1 - Math.Pow(s.Beta2, count);
        var newParams = new List<Tensor>();
        var mu = new List<Tensor>();
        var nu = new List<Tensor>();
        for (int i = 0; i < parameters.Count; i++)
        {
            var m = state.Mu[i] * s.Beta1 + grads[i] * (1 - s.Beta1);
            var v = state.Nu[i] * s.Beta2 + grads[i].square() * (1 - s.Beta2);
            // Without the stop-gradient, √ has an infinite slope at 0 (parameters with no gradient): clamping keeps
            // that derivative 0, not NaN.
            var denominator = stopGradientDenominator ? (v / c2).detach().sqrt() : (v / c2).clamp_min(1e-300).sqrt();
            var update = (m / c1 / (denominator + s.Eps)).clamp(-s.MaxAbsUpdate, s.MaxAbsUpdate);
            newParams.Add(parameters[i] - s.LearningRate * update);
            mu.Add(m);
            nu.Add(v);
        }
        return (newParams, new AdamState(count, mu, nu));
    }
}
