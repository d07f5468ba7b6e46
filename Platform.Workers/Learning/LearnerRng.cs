namespace Platform.Workers.Learning;

/// <summary>
/// The learner's own random stream (action sampling, replay sampling, minibatch shuffles): SplitMix64 over one
/// 64-bit state, so a checkpoint stores it as one number and resume continues it exactly.
/// </summary>
public sealed class LearnerRng(ulong state)
{
    public ulong State { get; set; } = state;

    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)Math.BigMul(NextUInt64(), (ulong)n, out _);

    /// <summary>Samples an index from unnormalised logits (softmax) in place of a tensor op.</summary>
    public int SampleSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double total = 0;
        Span<double> w = stackalloc double[logits.Length];
        for (int i = 0; i < logits.Length; i++) total += w[i] = Math.Exp(logits[i] - max);
        double u = NextDouble() * total;
        for (int i = 0; i < logits.Length; i++)
        {
            u -= w[i];
            if (u < 0) return i;
        }
        return logits.Length - 1;
    }

    public static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
