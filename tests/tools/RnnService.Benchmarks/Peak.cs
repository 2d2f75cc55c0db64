using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnService.Benchmarks;

/// <summary>
/// The machine's measured ceiling, taken at the start of a run: a loop of fused multiply-adds on 12
/// independent accumulators (enough to cover FMA latency × throughput on current x86 cores), per
/// instruction set, on one thread and on every core at once. Every benchmark line is put against
/// the best all-core figure, so the distance to the limit is on the table, not only the ratio to a peer.
/// </summary>
public sealed record Peak(double Vector512One, double Vector512All, double Vector256One, double Vector256All, int Cores)
{
    /// <summary>
    /// The ceiling the engine can reach, GFLOP/s: the widest accelerated instruction set on all cores, taken as the
    /// larger of the all-core loop and cores × the one-core loop (the loop scales linearly with cores when they
    /// are free; on a shared machine the all-core run rarely gets every core at once).
    /// </summary>
    public double Best => Math.Max(Math.Max(Vector512All, Cores * Vector512One), Math.Max(Vector256All, Cores * Vector256One));

    public string Share(double gflops) => $"{gflops:F0} GFLOP/s, {100 * gflops / Best:F0} % of peak";

    public override string ToString() =>
        $"measured FMA peak: Vector512 {Format(Vector512One)} (1 core) / {Format(Vector512All)} ({Cores} cores), " +
        $"Vector256 {Format(Vector256One)} / {Format(Vector256All)} GFLOP/s; shares below are of {Best:F0} GFLOP/s";

    private static string Format(double g) => g > 0 ? g.ToString("F0") : "n/a";

    private const int Iterations = 2_000_000;

    public static Peak Measure(bool quick)
    {
        int cores = Environment.ProcessorCount, repeats = quick ? 1 : 3;
        double v512One = Vector512.IsHardwareAccelerated ? BestOf(1, Fma512, 16, repeats) : 0;
        double v512All = Vector512.IsHardwareAccelerated ? BestOf(cores, Fma512, 16, repeats) : 0;
        double v256One = Vector256.IsHardwareAccelerated ? BestOf(1, Fma256, 8, repeats) : 0;
        double v256All = Vector256.IsHardwareAccelerated ? BestOf(cores, Fma256, 8, repeats) : 0;
        return new Peak(v512One, v512All, v256One, v256All, cores);
    }

    /// <summary>GFLOP/s of `threads` threads each running loop once, best of `repeats` (the machine is shared: the best is the ceiling).</summary>
    private static double BestOf(int threads, Func<int, float> loop, int lanes, int repeats)
    {
        loop(1000);   // compiled fully before timing (AggressiveOptimization skips the tiers anyway)
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            // Each thread stamps its own start and end: the span from the first start to the last end is the
            // time (the coordinating thread itself may be preempted while every core runs the loop).
            var starts = new long[threads];
            var ends = new long[threads];
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                starts[i] = Stopwatch.GetTimestamp();
                loop(Iterations);
                ends[i] = Stopwatch.GetTimestamp();
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            double seconds = (double)(ends.Max() - starts.Min()) / Stopwatch.Frequency;
            best = Math.Max(best, threads * (double)Iterations * 12 * lanes * 2 / seconds / 1e9);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Fma512(int iterations)
    {
        var m = Vector512.Create(0.999f);
        var a = Vector512.Create(1e-3f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Fma256(int iterations)
    {
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(1e-3f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
