// Every instruction-set path of Sgemm forced (Scalar, Vector256, Vector512: .NET runs the wider vectors in software
// where the CPU lacks them), with M, N and K on each side of every tile edge: M mod 6 (AVX2 row tiles) and mod 8
// (AVX-512 row tiles) from 0 to 7 plus a last row block of one row (the matrix-vector path), N mod 32 (panels) and
// mod 16 (AVX2 half panels) with 1 to 7 full panels (the row path takes 3 or 4 at a time, then the 1 to 3 left, at
// an offset only from 4 panels on), K around 8 (the packing's register transpose) and Kc (the K chunk). Each result
// is compared with the double-precision SgemmNaive and must be bit-identical across the three paths, and nothing
// outside the product (past column N, or the row after M) may change, bit for bit, whether C is overwritten or
// accumulated: the columns past N hold -0, which a kernel adding an edge tile's zero padding into them makes +0.
// An AVX2 kernel that ran its 4-row tile for a 5-row remainder fails here.
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmIsaEdgeTests
{
    private static readonly GemmIsa[] AllIsas = [GemmIsa.Scalar, GemmIsa.Vector256, GemmIsa.Vector512];

    public static TheoryData<int> RowCounts()
    {
        var rows = new TheoryData<int>();
        for (int m = 1; m <= 17; m++) rows.Add(m);               // every remainder of 6 and of 8, one and two groups
        rows.Add(Sgemm.Mc / 6 * 6 + 1);                         // 127: AVX2's row block (126) leaves one row
        rows.Add(Sgemm.Mc + 1);                                 // 129: AVX-512's row block (128) leaves one row
        return rows;
    }

    [Theory]
    [MemberData(nameof(RowCounts))]
    public void EveryPathMatchesNaiveForEachRowRemainder(int m)
    {
        foreach (bool transA in new[] { false, true })
            CheckAllPaths(transA, transB: false, m, n: 33, k: 9, seed: m);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(96)]
    [InlineData(111)]
    [InlineData(128)]
    [InlineData(129)]
    [InlineData(160)]
    [InlineData(175)]
    [InlineData(223)]
    [InlineData(225)]
    public void EveryPathMatchesNaiveForEachColumnRemainder(int n)
    {
        // One row (the row path over 1-7 panels: 225 columns are 4 + 3 full panels and a tail), a full AVX2 and
        // AVX-512 tile plus remainders.
        foreach (int m in new[] { 1, 5, 7, 14 })
            foreach (bool transB in new[] { false, true })
                CheckAllPaths(transA: false, transB, m, n, k: 13, seed: n * 31 + m);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(513)]
    public void EveryPathMatchesNaiveForEachDepthRemainder(int k)
    {
        foreach (int m in new[] { 1, 11, 13 })
        {
            CheckAllPaths(transA: false, transB: false, m, n: 40, k, seed: k * 7 + m);
            CheckAllPaths(transA: true, transB: true, m, n: 40, k, seed: k * 7 + m + 1);
        }
    }

    [Theory]
    [InlineData(1, 19, 4)]
    [InlineData(5, 19, 4)]
    [InlineData(11, 37, 3)]
    [InlineData(13, 37, 4)]
    [InlineData(17, 8, 1)]
    [InlineData(127, 19, 3)]
    [InlineData(129, 5, 4)]
    public void EveryPathOfThePackedEntryPointMatchesNaive(int m, int hidden, int gates)
    {
        // The recurrent step's product h[B, H] · W_hhᵀ with W_hh [G·H, H] packed once, at the hidden sizes 19 and 37.
        int gh = gates * hidden;
        var rng = new Random(m * 1000 + hidden);
        float[] w = Random(rng, gh * hidden), h = Random(rng, m * hidden), c0 = Random(rng, m * gh);
        var packed = new PackedMatrix(hidden, gh);
        packed.Pack(transB: true, w, hidden);
        float[]? first = null;
        foreach (var isa in AllIsas)
            foreach (bool accumulate in new[] { false, true })
            {
                float[] c = (float[])c0.Clone();
                Sgemm.MultiplyCore(m, h, hidden, packed, c, gh, accumulate, isa, allowParallel: false);
                AssertMatchesNaive(false, true, m, gh, hidden, h, hidden, w, hidden, c0, c, gh, accumulate, isa);
                if (!accumulate)
                {
                    if (first is null) first = c;
                    else Assert.True(first.AsSpan().SequenceEqual(c), $"{isa} is not bit-identical to {AllIsas[0]} at m={m}");
                }
            }
    }

    private static void CheckAllPaths(bool transA, bool transB, int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3;
        // C gets one row more than the product's: a tile must write neither past column N nor past row M, also when it
        // overwrites (a stray store of zeros would vanish into an accumulated C).
        float[] a = Random(rng, (transA ? k : m) * lda), b = Random(rng, (transB ? n : k) * ldb), c0 = Random(rng, (m + 1) * ldc);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) c0[i * ldc + j] = -0f;
        foreach (bool accumulate in new[] { false, true })
        {
            float[]? first = null;
            foreach (var isa in AllIsas)
            {
                float[] c = (float[])c0.Clone();
                Sgemm.MultiplyCore(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, isa, allowParallel: false);
                AssertMatchesNaive(transA, transB, m, n, k, a, lda, b, ldb, c0, c, ldc, accumulate, isa);
                for (int i = 0; i <= m; i++)
                    for (int j = i < m ? n : 0; j < ldc; j++)
                        Assert.True(BitConverter.SingleToInt32Bits(c[i * ldc + j]) == BitConverter.SingleToInt32Bits(c0[i * ldc + j]),
                            $"{isa}: C[{i},{j}] outside the product was written: {c[i * ldc + j]} (m={m} n={n} k={k} accumulate={accumulate})");
                if (first is null) first = c;
                else Assert.True(first.AsSpan().SequenceEqual(c), $"{isa} is not bit-identical to {AllIsas[0]} (m={m} n={n} k={k})");
            }
        }
    }

    private static void AssertMatchesNaive(bool transA, bool transB, int m, int n, int k, float[] a, int lda, float[] b, int ldb,
        float[] c0, float[] actual, int ldc, bool accumulate, GemmIsa isa)
    {
        float[] expected = (float[])c0.Clone();
        SgemmNaive.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
        double tol = 1e-5 * Math.Sqrt(k);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float e = expected[i * ldc + j], x = actual[i * ldc + j];
                Assert.True(Math.Abs((double)e - x) <= tol * (1 + Math.Abs(e)),
                    $"{isa}: C[{i},{j}] = {x}, naive {e} (m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate})");
            }
    }
}
