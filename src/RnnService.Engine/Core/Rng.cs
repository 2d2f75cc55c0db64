using System.Runtime.CompilerServices;

namespace RnnService.Engine.Core;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Unlike System.Random its state can be saved in a
/// checkpoint and restored, so a resumed run draws exactly the numbers a straight run would.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private Rng() { }

    public static Rng FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("RNG state has four words.", nameof(state));
        return new Rng { _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3] };
    }

    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 bits, exactly representable as a float.</summary>
    public float NextFloat() => (NextULong() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive) without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong m = (ulong)maxExclusive;
        UInt128 product = (UInt128)NextULong() * m;
        ulong low = (ulong)product;
        if (low < m)
        {
            ulong threshold = (0 - m) % m;
            while (low < threshold)
            {
                product = (UInt128)NextULong() * m;
                low = (ulong)product;
            }
        }
        return (int)(product >> 64);
    }

    /// <summary>Standard normal via Box–Muller.</summary>
    public float NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(Span<float> destination, float low, float high)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = low + (high - low) * NextFloat();
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
