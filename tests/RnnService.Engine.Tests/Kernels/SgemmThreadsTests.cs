// The pooled GEMM on 1-4 threads: the same bits as on one thread (a per-call counter proves how many threads ran), a
// product too small to split runs on the caller, a recurrent step's product never goes to the pool, and the thread
// setting's bounds.
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmThreadsTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PooledMultiplyOnEachThreadCountMatchesNaiveAndIsBitIdenticalToSingleThreaded(int threads)
    {
        // More threads than this machine has cores still has to give the same bits: every output block
        // is computed whole by one thread. Forced round-robin gives each thread at least one block.
        // A product of other operands first leaves other values in this thread's packing scratch, so a thread that
        // multiplied a block before the blocks it reads were packed would read those (the single-threaded
        // product comes after, or its packing would be there to read).
        const int m = 256, n = 512, k = 300;
        var rng = new Random(11);
        Sgemm.MultiplyCore(false, false, m, n, k, Random(rng, m * k), k, Random(rng, k * n), n, new float[m * n], n, false,
            Sgemm.BestIsa, allowParallel: false);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        float[] multi = (float[])c0.Clone();
        Sgemm.MultiplyCore(false, false, m, n, k, a, k, b, n, multi, n, true, Sgemm.BestIsa, allowParallel: true, forceThreads: threads);
        Assert.Equal(threads, Sgemm.LastCallThreads);

        float[] single = (float[])c0.Clone();
        Sgemm.MultiplyCore(false, false, m, n, k, a, k, b, n, single, n, true, Sgemm.BestIsa, allowParallel: false);
        Assert.Equal(1, Sgemm.LastCallThreads);
        Assert.Equal(single, multi);

        SgemmAssert.MatchesNaive(false, false, m, n, k, a, k, b, n, c0, single, n, accumulate: true);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PooledPackedMultiplyOnEachThreadCountMatchesNaiveAndIsBitIdenticalToSingleThreaded(int threads)
    {
        // Accumulating, so a block computed twice (or not at all) shows.
        const int m = 128, hidden = 256, gh = 1024;
        var rng = new Random(12);
        float[] w = Random(rng, gh * hidden), h = Random(rng, m * hidden), c0 = Random(rng, m * gh);
        var packed = new PackedMatrix(hidden, gh);
        packed.Pack(transB: true, w, hidden);
        float[] single = (float[])c0.Clone();
        Sgemm.MultiplyCore(m, h, hidden, packed, single, gh, true, Sgemm.BestIsa, allowParallel: false);
        Assert.Equal(1, Sgemm.LastCallThreads);

        float[] multi = (float[])c0.Clone();
        Sgemm.MultiplyCore(m, h, hidden, packed, multi, gh, true, Sgemm.BestIsa, allowParallel: true, forceThreads: threads);
        Assert.Equal(threads, Sgemm.LastCallThreads);
        Assert.Equal(single, multi);

        SgemmAssert.MatchesNaive(false, true, m, gh, hidden, h, hidden, w, hidden, c0, single, gh, accumulate: true);
    }

    [Fact]
    public void AForcedPooledProductOfOneBlockRunsOnTheCallerAloneAndIsComputed()
    {
        // 3 rows by one 32-column panel: a single output block, nothing to hand to a second thread.
        const int m = 3, hidden = 8, gh = 32;
        var rng = new Random(15);
        float[] w = Random(rng, gh * hidden), h = Random(rng, m * hidden);
        var packed = new PackedMatrix(hidden, gh);
        packed.Pack(transB: true, w, hidden);
        var c = new float[m * gh];
        Sgemm.MultiplyCore(m, h, hidden, packed, c, gh, false, Sgemm.BestIsa, allowParallel: true, forceThreads: 2);
        Assert.Equal(1, Sgemm.LastCallThreads);
        SgemmAssert.MatchesNaive(false, true, m, gh, hidden, h, hidden, w, hidden, new float[m * gh], c, gh, accumulate: false);
    }

    [Fact]
    public void ThreadCounterReportsOneWhenAForcedCallRunsOnTheCallerAlone()
    {
        // The planted error for the tests above: a run forced to one thread must not pass for two.
        const int m = 256, n = 512, k = 300;
        var rng = new Random(13);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c = new float[m * n];
        Sgemm.MultiplyCore(false, false, m, n, k, a, k, b, n, c, n, false, Sgemm.BestIsa, allowParallel: true, forceThreads: 2);
        Assert.Equal(2, Sgemm.LastCallThreads);
        Sgemm.MultiplyCore(false, false, m, n, k, a, k, b, n, c, n, false, Sgemm.BestIsa, allowParallel: true, forceThreads: 1);
        Assert.NotEqual(2, Sgemm.LastCallThreads);
        Assert.Equal(1, Sgemm.LastCallThreads);
    }

    [Fact]
    public void PerStepRecurrentGemmDoesNotGoToThePool()
    {
        // W4's step (batch 32 × h128 LSTM): below Sgemm.ParallelFlops, so at most two halves (SgemmHalvesTests), never the pool.
        const int m = 32, hidden = 128, gh = 512;
        var rng = new Random(14);
        float[] w = Random(rng, gh * hidden), h = Random(rng, m * hidden);
        var packed = new PackedMatrix(hidden, gh);
        packed.Pack(transB: true, w, hidden);
        var c = new float[m * gh];
        Sgemm.ForcedHalves = false;
        try { Sgemm.Multiply(m, h, hidden, packed, c, gh, accumulate: false); }
        finally { Sgemm.ForcedHalves = null; }
        Assert.Equal(1, Sgemm.LastCallThreads);
    }

    [Fact]
    public void EngineThreadCountRejectsValuesOutsideOneToMax()
    {
        Assert.InRange(EngineThreads.Count, 1, EngineThreads.DefaultCap);
        Assert.Throws<ArgumentOutOfRangeException>(() => EngineThreads.Count = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => EngineThreads.Count = EngineThreads.Max + 1);
    }
}
