using static TorchSharp.torch;

namespace Platform.Workers;

/// <summary>Parameter initialisers shared by the agent and meta-networks.</summary>
public static class TensorInit
{
    /// <summary>
    /// Normal(0, std²) truncated to ±2 std, by redrawing the tails (Haiku's TruncatedNormal, without its
    /// variance correction). TorchSharp 0.107.0's <c>nn.init.trunc_normal_</c> fills every element with
    /// the same value, so it must not be used.
    /// </summary>
    public static Tensor TruncatedNormal(long[] shape, double std, Generator generator)
    {
        var t = randn(shape, dtype: float32, generator: generator);
        for (var outside = t.abs() > 2; outside.any().item<bool>(); outside = t.abs() > 2)
            t = where(outside, randn(shape, dtype: float32, generator: generator), t);
        return t * std;
    }
}

/// <summary>
/// Long-lived scalars for hot paths. TorchSharp 0.107.0 turns an int into a temporary Scalar for
/// <c>a.add(b)</c>; the temporary is unreachable during the native call, so a GC on another thread can
/// finalize (free) it while libtorch reads it ("toFloat … Expected false to be true", seen once in a long
/// run). A static Scalar stays alive.
/// </summary>
public static class TorchScalars
{
    public static readonly TorchSharp.Scalar One = 1;

    /// <summary>a + b with a Scalar that cannot be finalized mid-call.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
