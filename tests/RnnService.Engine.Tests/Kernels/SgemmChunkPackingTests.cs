// An operand that only one block row (B) or one block column (A) of the output reads is packed by each output block,
// one K chunk at a time (Sgemm.Plan), instead of up front. The tiles see the same packed values in the same order, so
// every element must come out with the bits of the up-front packing, on every instruction set, transposed or not,
// pooled or not, at K on each side of the chunk edges, with row and column remainders, and with the last row block
// of one row (the matrix-vector path reading a chunk of A).
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmChunkPackingTests
{
    private static readonly GemmIsa[] AllIsas = [GemmIsa.Scalar, GemmIsa.Vector256, GemmIsa.Vector512];

    [Theory]
    [InlineData(13, 300, 600)]   // one block row, 10 panels (two panel blocks): B packed by the blocks
    [InlineData(64, 40, 257)]    // one block row and one block column: both, with a last chunk of one
    [InlineData(300, 40, 513)]   // three block rows, two panels (one panel block): A packed by the blocks
    [InlineData(129, 33, 300)]   // A by the blocks, AVX-512's last row block a single row (126 + 3 rows for AVX2)
    [InlineData(127, 70, 511)]   // A by the blocks, AVX2's last row block a single row; a panel of 6 columns
    [InlineData(20, 70, 1100)]   // transposed A up front in two ranges of K (550 + 550), groups of 8, 8, 4 (6, 6, 6, 2)
    public void ChunkPackingGivesTheBitsOfUpFrontPackingOnEveryPath(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
            {
                var rng = new Random(m * 31 + n * 7 + k);
                int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3;
                float[] a = Random(rng, (transA ? k : m) * lda), b = Random(rng, (transB ? n : k) * ldb), c0 = Random(rng, m * ldc);
                foreach (var isa in AllIsas)
                    foreach (bool accumulate in new[] { false, true })
                    {
                        float[] chunked = Multiply(upFront: false, transA, transB, m, n, k, a, lda, b, ldb, c0, ldc, accumulate, isa);
                        float[] upFront = Multiply(upFront: true, transA, transB, m, n, k, a, lda, b, ldb, c0, ldc, accumulate, isa);
                        Assert.True(upFront.AsSpan().SequenceEqual(chunked),
                            $"{isa} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}: chunk packing changed the result");
                        AssertNear(transA, transB, m, n, k, a, lda, b, ldb, accumulate ? c0 : null, chunked, ldc);
                    }
            }
    }

    [Theory]
    [InlineData(64, 512, 1000, 2)]    // the weight gradients' shape: B by the blocks
    [InlineData(64, 512, 1000, 3)]
    [InlineData(64, 512, 1537, 2)]    // A packed up front in three ranges of K, shared by the threads
    [InlineData(1000, 64, 600, 2)]    // dX's shape: A by the blocks
    [InlineData(1000, 64, 600, 3)]
    public void PooledChunkPackingIsBitIdenticalToOneThreadAndToUpFrontPacking(int m, int n, int k, int threads)
    {
        var rng = new Random(m + n + k + threads);
        float[] a = Random(rng, k * m), b = Random(rng, k * n), c0 = Random(rng, m * n);
        float[] pooled = (float[])c0.Clone();
        Sgemm.MultiplyCore(true, false, m, n, k, a, m, b, n, pooled, n, true, Sgemm.BestIsa, allowParallel: true, forceThreads: threads);
        Assert.Equal(threads, Sgemm.LastCallThreads);
        float[] single = Multiply(upFront: false, true, false, m, n, k, a, m, b, n, c0, n, accumulate: true, Sgemm.BestIsa);
        float[] upFront = Multiply(upFront: true, true, false, m, n, k, a, m, b, n, c0, n, accumulate: true, Sgemm.BestIsa);
        Assert.Equal(single, pooled);
        Assert.Equal(upFront, pooled);
    }

    [Fact]
    public void AWeightGradientsProductNoLongerAllocatesItsWholeRightOperandAsScratch()
    {
        // dW_hhᵀ = Hᵀ · dGates at W4's shape (H 128, 4H 512, T·B 2560) on a fresh thread: up front, B's packing alone
        // is 512 × 2560 floats (5.2 MB); packed a chunk at a time it is one panel block's chunk (256 KB), beside A's
        // up-front packing (128 × 2560 floats, 1.3 MB).
        const int m = 128, n = 512, k = 2560;
        var rng = new Random(5);
        float[] a = Random(rng, k * m), b = Random(rng, k * n), c = new float[m * n];
        long Allocated(bool upFront)
        {
            long bytes = 0;
            var thread = new Thread(() =>
            {
                Sgemm.ForcedUpFrontPacking = upFront;
                long before = GC.GetAllocatedBytesForCurrentThread();
                Sgemm.MultiplyCore(true, false, m, n, k, a, m, b, n, c, n, false, Sgemm.BestIsa, allowParallel: false);
                bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            thread.Start();
            thread.Join();
            return bytes;
        }
        long chunked = Allocated(upFront: false), upFront = Allocated(upFront: true);
        Assert.InRange(upFront, 6_500_000, 6_600_000);
        Assert.InRange(chunked, 1_550_000, 1_600_000);
    }

    /// <summary>A product on the calling thread alone, into a copy of c0, with or without the up-front packing forced.</summary>
    private static float[] Multiply(bool upFront, bool transA, bool transB, int m, int n, int k, float[] a, int lda, float[] b,
        int ldb, float[] c0, int ldc, bool accumulate, GemmIsa isa)
    {
        float[] c = (float[])c0.Clone();
        Sgemm.ForcedUpFrontPacking = upFront;
        try
        {
            Sgemm.MultiplyCore(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, isa, allowParallel: false);
        }
        finally
        {
            Sgemm.ForcedUpFrontPacking = false;
        }
        return c;
    }

    /// <summary>Within float rounding of the double-precision product (plus c0 when accumulated).</summary>
    private static void AssertNear(bool transA, bool transB, int m, int n, int k, float[] a, int lda, float[] b, int ldb,
        float[]? c0, float[] c, int ldc)
    {
        for (int i = 0; i < m; i += 7)
            for (int j = 0; j < n; j++)
            {
                double sum = c0 is null ? 0 : c0[i * ldc + j], magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double term = (double)(transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                Assert.True(Math.Abs(c[i * ldc + j] - sum) <= 1e-6 * magnitude + 1e-7,
                    $"C[{i},{j}] = {c[i * ldc + j]}, expected {sum} (m={m} n={n} k={k})");
            }
    }
}
