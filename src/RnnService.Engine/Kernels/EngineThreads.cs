namespace RnnService.Engine.Kernels;

/// <summary>
/// How many threads (the calling one included) one big GEMM may use. The per-step recurrent products use at most
/// the calling thread and the step partner (two halves, see <see cref="Sgemm"/>), and 1 keeps them on the calling
/// thread; only the all-steps GEMMs (input projection, weight gradients) and big products are split further. Process-wide: jobs running at the same
/// time share one pool, and a GEMM that finds the pool busy runs on its own thread.
/// </summary>
public static class EngineThreads
{
    /// <summary>Default ceiling, from the shapes rather than a measurement (no machine here had more than two
    /// cores): only the all-steps GEMMs split, so Amdahl's law allows about 2x at 8 threads and 2.1x at 16
    /// (docs/benchmarks.md, "Engine threads").</summary>
    public const int DefaultCap = 8;

    /// <summary>Upper bound for the setting: more threads than this is a configuration mistake.</summary>
    public const int Max = 256;

    private static int s_count = Math.Clamp(Environment.ProcessorCount, 1, DefaultCap);

    /// <summary>Threads per GEMM, 1 to <see cref="Max"/>; default: the core count, at most <see cref="DefaultCap"/>.</summary>
    public static int Count
    {
        get => Volatile.Read(ref s_count);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Max);
            Volatile.Write(ref s_count, value);
        }
    }
}
