// What Sgemm promises about its arguments besides the product (SgemmTests checks the product): negative shapes and a
// missing packed operand are rejected naming the argument, and a span is long enough exactly when it reaches the
// last element of its last row, (rows − 1)·ld + cols floats, not rows·ld (a matrix cut out of a bigger one ends
// there), on both entry points, a packed matrix has one panel per 32 columns started and no size that wraps around,
// a thread's packing scratch is allocated once per size and again after a release, a product of Sgemm.ParallelFlops or
// more goes to the thread pool through either entry point, or runs alone when the pool is busy, and the engine's
// thread count keeps what it is set to.
// Found by mutation testing (docs/testing.md).
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmContractTests
{
    [Theory]
    [InlineData(-1, 2, 2, "m")]
    [InlineData(2, -1, 2, "n")]
    [InlineData(2, 2, -1, "k")]
    public void ANegativeDimensionIsRejectedNamingIt(int m, int n, int k, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Sgemm.Multiply(false, false, m, n, k, new float[16], 4, new float[16], 4, new float[16], 4, accumulate: false));
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void ThePackedEntryPointRejectsANegativeRowCountOrNoPackedMatrix()
    {
        var packed = new PackedMatrix(2, 2);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(-1, new float[4], 2, packed, new float[4], 2, false)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentNullException>(() => Sgemm.Multiply(1, new float[2], 2, null!, new float[2], 2, false)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(0, 2)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(2, 0)).ParamName);
    }

    [Fact]
    public void APackedMatrixHoldsOnePanelPer32ColumnsStartedAndRejectsASizeBeyondAnArray()
    {
        Assert.Equal((1, 3 * 32), (new PackedMatrix(3, 32).Panels, new PackedMatrix(3, 32).Data.Length));
        Assert.Equal((2, 3 * 64), (new PackedMatrix(3, 33).Panels, new PackedMatrix(3, 33).Data.Length));
        // 2048 panels of 2^20 × 32 floats: 2^36, which must not wrap around to a small array.
        Assert.Throws<OverflowException>(() => new PackedMatrix(1 << 20, 1 << 16));
    }

    [Fact]
    public void SpansEndingAtTheLastElementOfTheLastRowAreLongEnoughAndOneFloatLessIsNot()
    {
        // A [2, 3] · [3, 2] product with every stride one wider than its rows: A needs 4 + 3, B 3 + 2, C 3 + 2 floats.
        float[] a = [1, 2, 3, 0, 4, 5, 6], b = [1, 2, 0, 3, 4, 0, 5, 6], c = new float[5];
        Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b, 3, c, 3, accumulate: false);
        Assert.Equal([22f, 28, 0, 49, 64], c);   // C[0, :] = [1·1 + 2·3 + 3·5, 1·2 + 2·4 + 3·6], C[1, :] = [4 + 15 + 30, 8 + 20 + 36]

        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a[..6], 4, b, 3, c, 3, false)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b[..7], 3, c, 3, false)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b, 3, c[..4], 3, false)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 2, b, 3, c, 3, false)).ParamName);
    }

    [Fact]
    public void ThePackedEntryPointRejectsAOrCSpansThatDoNotReachTheLastElementOfTheLastRow()
    {
        // The product above with B packed once: A needs 4 + 3 floats, C 3 + 2.
        float[] a = [1, 2, 3, 0, 4, 5, 6], c = new float[5];
        var packed = new PackedMatrix(3, 2);
        packed.Pack(transB: false, [1, 2, 3, 4, 5, 6], 2);
        Sgemm.Multiply(2, a, 4, packed, c, 3, accumulate: false);
        Assert.Equal([22f, 28, 0, 49, 64], c);

        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, a[..6], 4, packed, c, 3, false)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(2, a, 4, packed, c[..4], 3, false)).ParamName);
    }

    [Fact]
    public void AThreadsPackingScratchIsAllocatedByItsFirstProductKeptForTheSameSizeAndAllocatedAgainAfterARelease()
    {
        // A 40 × 40 · 40 × 24 product packs A into 1600 floats and B's one panel into 32 × 40 = 1280 (both above the
        // 1024-float minimum). A fresh thread, so no earlier test's larger scratch hides the first allocation.
        const int scratchBytes = (1600 + 1280) * sizeof(float);
        var allocated = new long[3];
        OnFreshThread(() =>
        {
            float[] a = new float[40 * 40], b = new float[40 * 24], c = new float[40 * 24];
            for (int call = 0; call < 3; call++)
            {
                if (call == 2) Sgemm.ReleaseThreadScratch();   // what a training thread does after its job
                long before = GC.GetAllocatedBytesForCurrentThread();
                Sgemm.Multiply(false, false, 40, 24, 40, a, 40, b, 24, c, 24, accumulate: false);
                allocated[call] = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        });
        Assert.InRange(allocated[0], scratchBytes, scratchBytes + 1024);   // and the thread's first use of its statics
        Assert.Equal(0, allocated[1]);
        Assert.InRange(allocated[2], scratchBytes, scratchBytes + 256);    // two arrays and their headers
    }

    [Fact]
    public void ProductsFromParallelFlopsUpRunOnTwoThreadsThroughEitherEntryPoint()
    {
        // 2 · 200³ is exactly ParallelFlops; 120 × 64 × 1050 is above it with two output blocks only (one row block by two
        // panels). Set here rather than in another class: TheEngineThreadCountKeepsTheValueItIsSet sets it too.
        Assert.Equal(16_000_000, Sgemm.ParallelFlops);
        int saved = EngineThreads.Count;
        try
        {
            EngineThreads.Count = 2;
            Assert.True(ReachesThePool(200, 200, 200, packed: false), "general 200 × 200 × 200 stayed on the calling thread");
            Assert.True(ReachesThePool(200, 200, 200, packed: true), "packed 200 × 200 × 200 stayed on the calling thread");
            Assert.True(ReachesThePool(120, 64, 1050, packed: false), "general 120 × 64 × 1050 stayed on the calling thread");
        }
        finally { EngineThreads.Count = saved; }
    }

    [Fact]
    public void AProductThatFindsThePoolBusyWithAnotherCallerRunsAloneAndIsComputed()
    {
        // Another thread keeps the pool busy with forced two-thread products; this thread's products of ParallelFlops
        // find it taken and must run on the calling thread, not be skipped.
        const int n = 200;
        float[] a = Enumerable.Range(0, n * n).Select(i => (float)Math.Sin(i)).ToArray();
        float[] b = Enumerable.Range(0, n * n).Select(i => (float)Math.Cos(i)).ToArray(), expected = new float[n * n];
        Sgemm.MultiplyCore(false, false, n, n, n, a, n, b, n, expected, n, false, Sgemm.BestIsa, allowParallel: false);
        int saved = EngineThreads.Count, alone = 0;
        bool stop = false;
        var other = new Thread(() =>
        {
            float[] x = new float[256 * 300], y = new float[300 * 512], z = new float[256 * 512];
            while (!Volatile.Read(ref stop))
                Sgemm.MultiplyCore(false, false, 256, 512, 300, x, 300, y, 512, z, 512, false, Sgemm.BestIsa, allowParallel: true, forceThreads: 2);
        });
        try
        {
            EngineThreads.Count = 2;
            other.Start();
            for (int call = 0; call < 50; call++)
            {
                var c = new float[n * n];
                Sgemm.Multiply(false, false, n, n, n, a, n, b, n, c, n, accumulate: false);
                Assert.True(expected.AsSpan().SequenceEqual(c), $"call {call} (on {Sgemm.LastCallThreads} threads) differs");
                if (Sgemm.LastCallThreads == 1) alone++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            other.Join();
            EngineThreads.Count = saved;
        }
        Assert.True(alone > 0, "the pool was never busy: the test did not test what it says");
    }

    /// <summary>Whether the product runs on two threads within 20 s of tries: a call that finds the pool busy with
    /// another test's product, or backing off after a preemption, runs alone by design.</summary>
    private static bool ReachesThePool(int m, int n, int k, bool packed)
    {
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        PackedMatrix? packedB = null;
        if (packed)
        {
            packedB = new PackedMatrix(k, n);
            packedB.Pack(transB: false, b, n);
        }
        long deadline = Stopwatch.GetTimestamp() + 20 * Stopwatch.Frequency;
        do
        {
            if (packedB is not null) Sgemm.Multiply(m, a, k, packedB, c, n, accumulate: false);
            else Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);
            if (Sgemm.LastCallThreads == 2) return true;
            Thread.Sleep(1);
        } while (Stopwatch.GetTimestamp() < deadline);
        return false;
    }

    [Fact]
    public void TheEngineThreadCountKeepsTheValueItIsSet()
    {
        // One thread changes only the speed of the GEMMs other tests run meanwhile, never their bits.
        int saved = EngineThreads.Count;
        try
        {
            EngineThreads.Count = 1;
            Assert.Equal(1, EngineThreads.Count);
        }
        finally { EngineThreads.Count = saved; }
        Assert.Equal(saved, EngineThreads.Count);
    }

    private static void OnFreshThread(Action body)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }
}
