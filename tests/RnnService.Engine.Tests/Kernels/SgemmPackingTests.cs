// SgemmPacking's layouts (see its file comment) element by element, packed into buffers of NaN one row group or panel
// longer than the packing's range: every element lands in its place, panel columns past N are zeros, and nothing is
// written past the range (the 6-row register transpose stores 8 floats per column, so it must leave the last column to
// the scalar loop). Through Sgemm a stray write past a group lands in scratch that a later group overwrites, so only
// this direct view shows it. Found by mutation testing (docs/testing.md).
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public unsafe class SgemmPackingTests
{
    [Theory]
    [InlineData(6, 6, 8)]      // one full 6-row group, K a multiple of 8: the register transpose's last store
    [InlineData(6, 6, 17)]
    [InlineData(6, 11, 16)]    // a full group and a remainder of 5
    [InlineData(8, 8, 16)]
    [InlineData(8, 13, 9)]
    [InlineData(8, 3, 8)]
    public void RowGroupsHoldOpARowsInterleavedAndNothingPastTheirRows(int mr, int m, int k)
    {
        foreach (bool transA in new[] { false, true })
        {
            int lda = (transA ? m : k) + 2;
            float[] a = KernelTestValues.Random(new Random(1), (transA ? k : m) * lda);
            float[] packed = Enumerable.Repeat(float.NaN, m * k + 2 * SgemmPacking.Nr).ToArray();
            fixed (float* ap = a)
            fixed (float* dst = packed)
                SgemmPacking.PackA(transA, ap, lda, m, k, mr, dst, 0, m);
            for (int i0 = 0; i0 < m; i0 += mr)
            {
                int r = Math.Min(mr, m - i0);
                for (int p = 0; p < k; p++)
                    for (int rr = 0; rr < r; rr++)
                    {
                        float expected = transA ? a[p * lda + i0 + rr] : a[(i0 + rr) * lda + p];
                        Assert.True(packed[i0 * k + p * r + rr] == expected, $"transA {transA}: row {i0 + rr}, column {p}");
                    }
            }
            Assert.All(packed[(m * k)..], v => Assert.True(float.IsNaN(v), $"transA {transA}: written past the last group"));
        }
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(32, 9)]
    [InlineData(45, 16)]
    [InlineData(64, 7)]
    [InlineData(75, 17)]
    public void PanelsHoldOpBColumnsWithZerosPastNAndNothingPastTheLastPanel(int n, int k)
    {
        int panels = (n + SgemmPacking.Nr - 1) / SgemmPacking.Nr;
        foreach (bool transB in new[] { false, true })
        {
            int ldb = (transB ? k : n) + 3;
            float[] b = KernelTestValues.Random(new Random(2), (transB ? n : k) * ldb);
            float[] packed = Enumerable.Repeat(float.NaN, (panels + 1) * k * SgemmPacking.Nr).ToArray();
            fixed (float* bp = b)
            fixed (float* dst = packed)
                SgemmPacking.PackB(transB, bp, ldb, k, n, dst, 0, panels);
            for (int j = 0; j < panels; j++)
                for (int p = 0; p < k; p++)
                    for (int c = 0; c < SgemmPacking.Nr; c++)
                    {
                        int col = j * SgemmPacking.Nr + c;
                        float expected = col >= n ? 0f : transB ? b[col * ldb + p] : b[p * ldb + col];
                        Assert.True(packed[(j * k + p) * SgemmPacking.Nr + c] == expected, $"transB {transB}: row {p}, column {col}");
                    }
            Assert.All(packed[(panels * k * SgemmPacking.Nr)..], v => Assert.True(float.IsNaN(v), $"transB {transB}: written past the last panel"));
        }
    }
}
