namespace Platform.Workers.Environments;

/// <summary>
/// xoshiro256** pseudo-random generator, seeded through splitmix64. Our own implementation so that
/// trajectories are bit-identical across .NET versions and machines (System.Random gives no such promise).
/// A value type: copying it forks the stream, which the solvers use to simulate ahead.
/// </summary>
public struct Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator for stream <paramref name="stream"/> of <paramref name="seed"/> (e.g. environment index).</summary>
    public static Rng Create(ulong seed, ulong stream = 0)
    {
        ulong x = SplitMix64.Mix(seed) ^ SplitMix64.Mix(stream + 0x5851F42D4C957F2DUL);
        var rng = new Rng();
        rng._s0 = SplitMix64.Next(ref x);
        rng._s1 = SplitMix64.Next(ref x);
        rng._s2 = SplitMix64.Next(ref x);
        rng._s3 = SplitMix64.Next(ref x);
        return rng;
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, n) by a 64×64→128-bit multiply (bias below 2^-32 for n &lt; 2^32).</summary>
    public int Next(int n) => (int)Math.BigMul(NextUInt64(), (ulong)n, out _);

    /// <summary>Uniform integer in [lo, hi] inclusive.</summary>
    public int NextInclusive(int lo, int hi) => lo + Next(hi - lo + 1);

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Fisher–Yates shuffle of a span.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>splitmix64: used to expand seeds and to hash level indices into level seeds (a bijection on 64 bits).</summary>
public static class SplitMix64
{
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
