// Checks C = (accumulate ? C : 0) + op(A)·op(B) from the fast kernel against the double-precision
// reference loop (SgemmAssert), and that the instruction set never changes a single bit of the result
// (the thread count: SgemmThreadsTests).
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmTests
{
    private const float Sentinel = 1234.5f;

    [Fact]
    public void NaiveMultiplyComputesTwoByTwoProduct()
    {
        float[] a = [1, 2, 3, 4];
        float[] b = [5, 6, 7, 8];
        var c = new float[4];
        SgemmNaive.Multiply(false, false, 2, 2, 2, a, 2, b, 2, c, 2, accumulate: false);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }

    [Fact]
    public void FastMultiplyComputesTwoByTwoProduct()
    {
        float[] a = [1, 2, 3, 4];
        float[] b = [5, 6, 7, 8];
        var c = new float[4];
        Sgemm.Multiply(false, false, 2, 2, 2, a, 2, b, 2, c, 2, accumulate: false);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }

    public static TheoryData<int, int, int> OddShapes() => new()
    {
        { 1, 1, 1 }, { 1, 7, 5 }, { 3, 17, 33 }, { 37, 65, 129 }, { 8, 32, 16 }, { 9, 33, 1 },
        { 1, 100, 25 }, { 2, 5, 300 }, { 7, 31, 2 }, { 16, 64, 64 }, { 130, 40, 513 }, { 1, 300, 70 },
    };

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void MultiplyMatchesNaiveForAllTransposeVariantsAndAccumulateModes(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
            CheckGeneral(transA, transB, m, n, k, accumulate, seed: m * 7919 + n * 31 + k);
    }

    [Theory]
    // Shapes of an LSTM with I = 64, H = 128 over T·B = 640 rows (shorter T than training, to keep the
    // double-precision reference fast); T·B only changes the number of row blocks.
    [InlineData(640, 512, 64, false, true)]    // input projection X·W_ihᵀ (NT)
    [InlineData(512, 64, 640, true, false)]    // weight gradient dGatesᵀ·X (TN)
    [InlineData(320, 64, 512, false, false)]   // input gradient dGates·W_ih (NN)
    public void MultiplyMatchesNaiveForLayerShapesOutsideTheTimeLoop(int m, int n, int k, bool transA, bool transB)
    {
        CheckGeneral(transA, transB, m, n, k, accumulate: true, seed: 5);
    }

    [Theory]
    // Register-transposed packing of A: full 6- and 8-row groups take 8 columns at a time and leave the
    // last column(s) to a scalar loop; K around multiples of 8 checks nothing spills into the next group.
    [InlineData(12, 8)]
    [InlineData(12, 9)]
    [InlineData(12, 16)]
    [InlineData(12, 17)]
    [InlineData(24, 23)]
    [InlineData(48, 40)]
    public void PackingOfFullRowGroupsMatchesNaiveAroundMultiplesOfEightColumns(int m, int k)
    {
        foreach (bool transA in new[] { false, true })
        foreach (var isa in new[] { GemmIsa.Vector512, GemmIsa.Vector256, GemmIsa.Scalar })
        {
            var rng = new Random(m * 100 + k);
            const int n = 33;
            int lda = (transA ? m : k) + 3;
            float[] a = Random(rng, (transA ? k : m) * lda), b = Random(rng, k * n), c0 = Random(rng, m * n);
            float[] c = (float[])c0.Clone();
            Sgemm.MultiplyCore(transA, false, m, n, k, a, lda, b, n, c, n, false, isa, allowParallel: false);
            SgemmAssert.MatchesNaive(transA, false, m, n, k, a, lda, b, n, c0, c, n, accumulate: false);
        }
    }

    public static TheoryData<int, int, int> RecurrentShapes() => new()
    {
        { 1, 64, 4 }, { 1, 25, 4 }, { 20, 256, 4 }, { 32, 128, 3 }, { 32, 128, 4 }, { 3, 25, 1 },
    };

    [Theory]
    [MemberData(nameof(RecurrentShapes))]
    public void PackedMultiplyMatchesNaiveForRecurrentStepShapes(int batch, int hidden, int gates)
    {
        int gh = gates * hidden;
        var rng = new Random(batch * 1000 + hidden * 10 + gates);
        float[] w = Random(rng, gh * hidden);                  // W_hh [G·H, H]

        // Forward: gates[B, GH] += h[B, H] · W_hhᵀ, W packed with transB = true.
        var forward = new PackedMatrix(hidden, gh);
        forward.Pack(transB: true, w, hidden);
        Assert.Equal(hidden, forward.K);
        Assert.Equal(gh, forward.N);
        CheckPacked(rng, batch, forward, w, transB: true, ldb: hidden, lda: hidden + 3, ldc: gh + 5);

        // Backward: dh[B, H] = dGates[B, GH] · W_hh, W packed with transB = false.
        var backward = new PackedMatrix(gh, hidden);
        backward.Pack(transB: false, w, hidden);
        CheckPacked(rng, batch, backward, w, transB: false, ldb: hidden, lda: gh, ldc: hidden);
    }

    [Fact]
    public void PackAcceptsLeadingDimensionLargerThanTheWidth()
    {
        var rng = new Random(3);
        const int k = 19, n = 45, ld = 50;
        float[] b = Random(rng, k * ld);
        var packed = new PackedMatrix(k, n);
        packed.Pack(transB: false, b, ld);
        CheckPacked(rng, 5, packed, b, transB: false, ldb: ld, lda: k + 1, ldc: n + 2);

        float[] bt = Random(rng, n * ld);
        var packedT = new PackedMatrix(k, n);
        packedT.Pack(transB: true, bt, ld);
        CheckPacked(rng, 5, packedT, bt, transB: true, ldb: ld, lda: k, ldc: n);
    }

    [Theory]
    [InlineData(1, 100, 25)]
    [InlineData(13, 70, 300)]
    [InlineData(37, 65, 129)]
    [InlineData(10, 64, 300)]    // a full group and a short one of 2 in one pass with Vector512 (Sgemm.TilePair), an edge panel
    [InlineData(20, 96, 33)]     // two full groups, the second paired with a short one of 4
    public void VectorAndScalarKernelsGiveBitIdenticalResults(int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
            int lda = transA ? m : k, ldb = transB ? k : n;
            float[]? first = null;
            // Vector512 and Vector256 also run (in software) where the CPU lacks them, so every path is checked here.
            foreach (var isa in new[] { GemmIsa.Vector512, GemmIsa.Vector256, GemmIsa.Scalar })
            {
                float[] c = (float[])c0.Clone();
                Sgemm.MultiplyCore(transA, transB, m, n, k, a, lda, b, ldb, c, n, true, isa, allowParallel: false);
                if (first is null) first = c;
                else Assert.Equal(first, c);
            }
            SgemmAssert.MatchesNaive(transA, transB, m, n, k, a, lda, b, ldb, c0, first!, n, accumulate: true);
        }
    }

    [Fact]
    public void ZeroInnerDimensionClearsOrKeepsTheOutput()
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Sgemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: true);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);
        Sgemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: false);
        Assert.Equal([0f, 0, 3, 0, 0, 6], c);
    }

    [Fact]
    public void TooShortSpansAreRejected()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[3];
        Assert.ThrowsAny<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 2, 2, 3, a, 3, b, 2, c, 2, accumulate: false));
        Assert.ThrowsAny<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 2, 2, 3, a, 2, b, 2, new float[4], 2, accumulate: false));
        var packed = new PackedMatrix(3, 2);
        Assert.ThrowsAny<ArgumentException>(() => packed.Pack(transB: true, new float[5], 3));
    }

    [Fact]
    public void SteadyStateCallsDoNotAllocate()
    {
        var rng = new Random(4);
        const int h = 64, gh = 256;
        float[] w = Random(rng, gh * h), x = Random(rng, h), y = new float[gh];
        var packed = new PackedMatrix(h, gh);
        packed.Pack(transB: true, w, h);
        float[] a = Random(rng, 8 * 40), b = Random(rng, 40 * 24), c = new float[8 * 24];
        for (int i = 0; i < 3; i++)
        {
            Sgemm.Multiply(1, x, h, packed, y, gh, accumulate: true);
            Sgemm.Multiply(true, false, 8, 24, 40, a, 8, b, 24, c, 24, accumulate: false);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Sgemm.Multiply(1, x, h, packed, y, gh, accumulate: true);
            Sgemm.Multiply(true, false, 8, 24, 40, a, 8, b, 24, c, 24, accumulate: false);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // --- helpers -------------------------------------------------------------------------------

    private static void CheckGeneral(bool transA, bool transB, int m, int n, int k, bool accumulate, int seed)
    {
        var rng = new Random(seed);
        // Leading dimensions larger than the row width, so strided access is exercised.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 4;
        float[] a = Random(rng, (transA ? k : m) * lda);
        float[] b = Random(rng, (transB ? n : k) * ldb);
        float[] c0 = WithPadding(Random(rng, m * ldc), m, n, ldc);
        float[] actual = (float[])c0.Clone();
        Sgemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, actual, ldc, accumulate);
        SgemmAssert.MatchesNaive(transA, transB, m, n, k, a, lda, b, ldb, c0, actual, ldc, accumulate);
        AssertPaddingUntouched(actual, m, n, ldc);
    }

    private static void CheckPacked(Random rng, int m, PackedMatrix packed, float[] b, bool transB, int ldb, int lda, int ldc)
    {
        int n = packed.N, k = packed.K;
        float[] a = Random(rng, m * lda);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] c0 = WithPadding(Random(rng, m * ldc), m, n, ldc);
            float[] actual = (float[])c0.Clone();
            Sgemm.Multiply(m, a, lda, packed, actual, ldc, accumulate);
            SgemmAssert.MatchesNaive(false, transB, m, n, k, a, lda, b, ldb, c0, actual, ldc, accumulate);
            AssertPaddingUntouched(actual, m, n, ldc);
        }
    }

    private static float[] WithPadding(float[] c, int m, int n, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) c[i * ldc + j] = Sentinel;
        return c;
    }

    private static void AssertPaddingUntouched(float[] c, int m, int n, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
                Assert.True(c[i * ldc + j] == Sentinel, $"padding C[{i},{j}] was overwritten");
    }
}
