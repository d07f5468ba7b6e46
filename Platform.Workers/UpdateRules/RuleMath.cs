using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.UpdateRules;

/// <summary>
/// Small pure functions shared by the update rules (value transforms, categorical values,
/// divergences). Shapes are written beside each tensor; "..." means any leading dimensions.
/// </summary>
public static class RuleMath
{
    /// <summary>sign(x)·log(|x|+1): squashes rewards and values before the meta-network sees them.</summary>
    public static Tensor SignedLogP1(Tensor x) => x.sign() * x.abs().log1p();

    /// <summary>h(x) = sign(x)(√(|x|+1) − 1) + εx, the value transform of R2D2/MuZero (ε = 1e-3).</summary>
    public static Tensor SignedHyperbolic(Tensor x, double eps = 1e-3) =>
        x.sign() * ((x.abs() + 1).sqrt() - 1) + eps * x;

    /// <summary>The inverse of <see cref="SignedHyperbolic"/>.</summary>
    public static Tensor SignedParabolic(Tensor x, double eps = 1e-3)
    {
        var z = (1 + 4 * eps * (eps + 1 + x.abs())).sqrt() / 2 / eps - 1 / 2.0 / eps;
        return x.sign() * (z.square() - 1);
    }

    /// <summary>Expected value of a categorical distribution over evenly spaced bins: probs [..., N] → [...].</summary>
    public static Tensor FromTwoHot(Tensor probs, double minValue, double maxValue)
    {
        long bins = probs.shape[^1];
        using var support = linspace(minValue, maxValue, bins, dtype: probs.dtype, device: probs.device);
        return (probs * support).sum(-1);
    }

    /// <summary>
    /// softmax(logits) @ w over the last axis without materialising the softmax: exp(x − max)
    /// is multiplied by [w | 1] and divided by its last column. logits [..., K], w [K, M] → [..., M].
    /// Rows are processed in cache-sized blocks, so each [.., 600] input is read from memory once
    /// (the max is a constant shift, so it is detached; results and gradients are those of softmax @ w).
    /// </summary>
    public static Tensor SoftmaxMatmul(Tensor logits, Tensor w)
    {
        var withOnes = cat([w, ones(w.shape[0], 1, dtype: w.dtype, device: w.device)], 1);
        long m = w.shape[1];
        var r = MapRowBlocks(logits, (block, scratch) =>
        {
            var max = block.amax([-1], keepdim: true).detach();
            // Without autograd a reused scratch block avoids allocating (and page-faulting) each block.
            var e = scratch is null ? (block - max).exp() : scratch.copy_(block).sub_(max).exp_();
            return e.matmul(withOnes);
        }, reuseScratch: !is_grad_enabled() || !(logits.requires_grad || w.requires_grad));
        return r.narrow(-1, 0, m) / r.narrow(-1, m, 1);
    }

    /// <summary>Rows per block in <see cref="MapRowBlocks"/>: a 2048 × 601 float block is ~5 MB, cache-resident.</summary>
    public const long RowBlock = 2048;

    /// <summary>
    /// Applies f to blocks of rows of x [..., K] (flattened to [N, K]) and joins the results [..., M].
    /// With <paramref name="reuseScratch"/>, f also gets a scratch tensor shaped like the block that it
    /// may overwrite (only safe when nothing records the block for a backward pass). On a GPU the whole
    /// tensor is one block.
    /// </summary>
    public static Tensor MapRowBlocks(Tensor x, Func<Tensor, Tensor?, Tensor> f, bool reuseScratch = false)
    {
        var lead = x.shape[..^1];
        var flat = x.reshape(-1, x.shape[^1]);
        long n = flat.shape[0];
        long block = x.device.type == DeviceType.CPU ? RowBlock : n;
        using var scratch = reuseScratch ? empty([Math.Min(block, n), flat.shape[1]], dtype: x.dtype, device: x.device) : null;
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += block)
        {
            long rows = Math.Min(block, n - start);
            parts.Add(f(flat.narrow(0, start, rows), scratch?.narrow(0, 0, rows)));
        }
        var result = parts.Count == 1 ? parts[0] : cat(parts, 0);
        return result.reshape([.. lead, result.shape[^1]]);
    }

    /// <summary>
    /// Two-hot encoding of a scalar over evenly spaced bins: values [...] → probs [..., N].
    /// An exact bin value puts all mass on that bin (as in rlax, with its 1e-5 guard).
    /// </summary>
    public static Tensor ToTwoHot(Tensor value, double minValue, double maxValue, long bins)
    {
        var v = value.clamp(minValue, maxValue);
        var pos = (v - minValue) / (maxValue - minValue) * (bins - 1);
        var lower = pos.floor();
        var upper = pos.ceil();
        var lowerValue = lower / (bins - 1.0) * (maxValue - minValue) + minValue;
        var upperValue = upper / (bins - 1.0) * (maxValue - minValue) + minValue;
        var pLower = (upperValue - v) / (upperValue - lowerValue + 1e-5);
        var pUpper = 1 - pLower;
        var lowerHot = nn.functional.one_hot(lower.to(int64), bins).to(value.dtype) * pLower.unsqueeze(-1);
        var upperHot = nn.functional.one_hot(upper.to(int64), bins).to(value.dtype) * pUpper.unsqueeze(-1);
        return lowerHot + upperHot;
    }

    /// <summary>KL(softmax(p) ‖ softmax(q)) over the last axis: [..., K] → [...]. The first argument is the target.</summary>
    public static Tensor CategoricalKl(Tensor pLogits, Tensor qLogits)
    {
        var logP = pLogits.log_softmax(-1);
        return (logP.exp() * (logP - qLogits.log_softmax(-1))).sum(-1);
    }

    /// <summary>Entropy of softmax(logits) over the last axis: [..., K] → [...].</summary>
    public static Tensor Entropy(Tensor logits)
    {
        var logP = logits.log_softmax(-1);
        return -(logP.exp() * logP).sum(-1);
    }

    /// <summary>table[t, b, a, ...] at a = index[t, b]: table [T, B, A, ...], index [T, B] → [T, B, ...].</summary>
    public static Tensor SelectAction(Tensor table, Tensor index)
    {
        var idx = index.to(int64);
        for (int d = 2; d < table.dim(); d++) idx = idx.unsqueeze(-1);
        var shape = table.shape.ToArray();
        shape[2] = 1;
        return table.gather(2, idx.expand(shape)).squeeze(2);
    }

    /// <summary>Concatenates x[t] and x[t+1] on the last axis: [T+1, ..., C] → [T, ..., 2C].</summary>
    public static Tensor TdPair(Tensor x)
    {
        long t = x.shape[0] - 1;
        return cat([x.narrow(0, 0, t), x.narrow(0, 1, t)], -1);
    }

    /// <summary>Drops the last time step: [T+1, ...] → [T, ...].</summary>
    public static Tensor DropLast(Tensor x) => x.narrow(0, 0, x.shape[0] - 1);
}
