// The kernel tests' judge: a product against the double-precision reference loop, within |Δ| ≤ 1e-5·√k·(1 + |C_ref|).
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

internal static class SgemmAssert
{
    /// <summary>
    /// Compares against the double-precision reference. For big products only a spread of rows
    /// (first, last, and ~16 in between, which cross every row-block and row-group boundary kind)
    /// is recomputed, to keep the whole class well under a few seconds in a Debug build.
    /// </summary>
    public static void MatchesNaive(bool transA, bool transB, int m, int n, int k,
        float[] a, int lda, float[] b, int ldb, float[] c0, float[] actual, int ldc, bool accumulate)
    {
        float[] expected = (float[])c0.Clone();
        var rows = new List<int>();
        if ((long)m * n * k <= 1 << 21)
        {
            for (int i = 0; i < m; i++) rows.Add(i);
        }
        else
        {
            int step = Math.Max(1, m / 16);
            for (int i = 0; i < m; i += step) rows.Add(i);
            rows.Add(m - 1);
        }
        foreach (int i in rows.Distinct())
        {
            // Row i of op(A) is a 1 × K matrix: at a[i·lda] with stride 1, or at a[i] with stride lda.
            ReadOnlySpan<float> ai = transA ? a.AsSpan(i) : a.AsSpan(i * lda);
            SgemmNaive.Multiply(transA, transB, 1, n, k, ai, lda, b, ldb, expected.AsSpan(i * ldc), ldc, accumulate);
        }
        Close(expected, actual, rows.Distinct(), n, ldc, k);
    }

    public static void Close(float[] expected, float[] actual, IEnumerable<int> rows, int n, int ldc, int k)
    {
        double tol = 1e-5 * Math.Sqrt(Math.Max(k, 1));
        foreach (int i in rows)
        {
            for (int j = 0; j < n; j++)
            {
                float e = expected[i * ldc + j], a = actual[i * ldc + j];
                double err = Math.Abs((double)e - a);
                Assert.True(err <= tol * (1 + Math.Abs(e)),
                    $"C[{i},{j}]: expected {e}, got {a} (|Δ| {err:E2} > {tol * (1 + Math.Abs(e)):E2}), n={n} k={k}");
            }
        }
    }
}
