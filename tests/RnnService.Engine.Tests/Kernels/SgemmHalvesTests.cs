// A product over packed weights cut into two halves (Sgemm.Halves.cs), one on the caller and one on the step partner:
// bit-identical to the one-thread product on every instruction set, by rows and by columns, with strides wider than
// the matrices (left untouched past the width); a product that cannot be cut runs on the caller alone; one started
// inside a step team's item runs alone instead of re-entering the team; and which shapes are cut.
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmHalvesTests
{
    private const float Sentinel = 1234.5f;

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 32, 512, 128 },   // W4's step: four row groups of 8 (AVX-512), cut by rows
        { 20, 100, 37 },    // three row groups (two and one), an edge panel
        { 7, 96, 50 },      // one row group: cut by columns
        { 1, 200, 64 },     // one row, read in place: cut by columns
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductsInHalvesAreBitIdenticalToOneThreadOnEveryIsa(int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n + k);
        int lda = k + 3, ldc = n + 5;
        var (w, a, packed) = Operands(rng, m, n, k, lda);
        float[] c0 = Random(rng, m * ldc);
        for (int i = 0; i < m; i++) c0.AsSpan(i * ldc + n, ldc - n).Fill(Sentinel);
        foreach (var isa in Isas())
        foreach (bool accumulate in new[] { false, true })
        {
            float[] single = (float[])c0.Clone(), halves = (float[])c0.Clone();
            Sgemm.MultiplyCore(m, a, lda, packed, single, ldc, accumulate, isa, allowParallel: false);
            Sgemm.ReleaseThreadScratch();   // so a half that reads rows it did not pack finds no copy left by the line above
            Sgemm.ForcedHalves = true;
            try { Sgemm.MultiplyCore(m, a, lda, packed, halves, ldc, accumulate, isa, allowParallel: true); }
            finally { Sgemm.ForcedHalves = null; }
            Assert.Equal(2, Sgemm.LastCallThreads);
            Assert.Equal(single, halves);
        }
        // And the one-thread product against the reference.
        var product = (float[])c0.Clone();
        Sgemm.MultiplyCore(m, a, lda, packed, product, ldc, false, Sgemm.BestIsa, allowParallel: false);
        SgemmAssert.MatchesNaive(false, true, m, n, k, a, lda, w, k, c0, product, ldc, accumulate: false);
    }

    [Fact]
    public void AProductOfOneRowGroupAndOnePanelIsNotCutAndRunsOnTheCallerAlone()
    {
        const int m = 5, n = 20, k = 9;
        var (_, a, packed) = Operands(new Random(3), m, n, k, lda: k);
        float[] single = new float[m * n], forced = new float[m * n];
        Sgemm.MultiplyCore(m, a, k, packed, single, n, false, Sgemm.BestIsa, allowParallel: false);
        Sgemm.ForcedHalves = true;
        try { Sgemm.Multiply(m, a, k, packed, forced, n, accumulate: false); }
        finally { Sgemm.ForcedHalves = null; }
        Assert.Equal(1, Sgemm.LastCallThreads);
        Assert.Equal(single, forced);
    }

    [Fact]
    public void AProductInHalvesStartedInsideAStepTeamItemRunsAloneInsteadOfReenteringTheTeam()
    {
        const int m = 32, n = 512, k = 128;
        var (_, a, packed) = Operands(new Random(4), m, n, k, lda: k);
        var expected = new float[m * n];
        Sgemm.MultiplyCore(m, a, k, packed, expected, n, false, Sgemm.BestIsa, allowParallel: false);

        var work = new InnerProduct(a, packed);
        // The outer loop is forced onto both threads: item 0 on the partner, item 1 (the product) on this thread, which
        // then holds the team's gate. Re-entering the team from there would overwrite the outer loop under the partner.
        var outer = Task.Run(() =>
        {
            Sgemm.ForcedHalves = true;
            try { StepTeam.Shared.Run(work, 2, usePartner: true, force: true); }
            finally { Sgemm.ForcedHalves = null; }
        });
        Assert.True(outer.Wait(TimeSpan.FromSeconds(30)), "the outer loop did not finish");
        Assert.Equal(1, work.InnerThreads);
        Assert.Equal(expected, work.C);
    }

    [Fact]
    public void W4sStepProductIsCutInHalvesAndItsAllStepsProjectionAndSmallerStepsAreNot()
    {
        Assert.True(Sgemm.SizedForHalves(32, 512, 128));        // 4.2 MFLOP
        Assert.False(Sgemm.SizedForHalves(24, 512, 128));       // 3.1 MFLOP: about 15 µs of one core
        Assert.False(Sgemm.SizedForHalves(80 * 32, 512, 64));   // the input projection of all steps: the pool's
    }

    /// <summary>Weights W [n, k] (packed as Wᵀ, the recurrent layers' form) and A [m, lda], drawn in that order.</summary>
    private static (float[] W, float[] A, PackedMatrix Packed) Operands(Random rng, int m, int n, int k, int lda)
    {
        float[] w = Random(rng, n * k), a = Random(rng, m * lda);
        var packed = new PackedMatrix(k, n);
        packed.Pack(transB: true, w, k);
        return (w, a, packed);
    }

    private static IEnumerable<GemmIsa> Isas()
    {
        yield return GemmIsa.Scalar;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) yield return GemmIsa.Vector256;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) yield return GemmIsa.Vector512;
    }

    private sealed class InnerProduct(float[] a, PackedMatrix packed) : IStepWork
    {
        public readonly float[] C = new float[32 * 512];
        public int InnerThreads;

        public void RunItem(int item)
        {
            if (item != 1) return;
            Sgemm.Multiply(32, a, 128, packed, C, 512, accumulate: false);
            InnerThreads = Sgemm.LastCallThreads;
        }
    }
}
