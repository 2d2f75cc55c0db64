// The output and packing blocks a planned GEMM is cut into (Sgemm.Plan), each run by whichever thread claims it
// (SgemmParallel) or in turn by the caller (Sgemm.Execute).
using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

public static unsafe partial class Sgemm
{
    private const int PackPanels = 4;
    /// <summary>Columns of a transposed A per packing block, at least (K = 2560 rows of a W4 weight gradient: 5 blocks).</summary>
    private const int PackAColumns = 512;

    /// <summary>Packing block q: panels of B, or a range of K of one row block of A. Blocks write disjoint parts of the scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunPackUnit(in GemmJob job, int q)
    {
        if (q < job.PackUnitsB)
        {
            int j0 = q * PackPanels, j1 = Math.Min(job.Panels, j0 + PackPanels);
            SgemmPacking.PackB(job.TransB, job.B, job.Ldb, job.K, job.N, job.PackedB, j0, j1);
        }
        else
        {
            int block = (q - job.PackUnitsB) / job.PackSplitsK, split = (q - job.PackUnitsB) % job.PackSplitsK;
            int i0 = block * job.RowBlock, i1 = Math.Min(job.M, i0 + job.RowBlock);
            if (job.TransA)
                SgemmPacking.PackATransposed(job.A, job.Lda, job.M, job.K, job.Mr, job.PackedA, i0, i1,
                    (int)((long)job.K * split / job.PackSplitsK), (int)((long)job.K * (split + 1) / job.PackSplitsK));
            else
                SgemmPacking.PackA(false, job.A, job.Lda, job.M, job.K, job.Mr, job.PackedA, i0, i1);
        }
    }

    /// <summary>Computes output block u: rows [i0,i1) × panels [j0,j1), all K chunks in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunUnit(in GemmJob job, int u)
    {
        const int Nr = SgemmPacking.Nr;
        int mr = job.Mr;
        int um = u / job.UnitsN, un = u - um * job.UnitsN;
        int i0 = um * job.RowBlock, i1 = Math.Min(job.M, i0 + job.RowBlock);
        int j0 = un * job.PanelBlock, j1 = Math.Min(job.Panels, j0 + job.PanelBlock);
        int k = job.K, n = job.N;
        nint ldc = job.Ldc;
        GemmIsa isa = job.Isa;
        float* tmp = stackalloc float[SgemmPacking.Mr * Nr];
        float[] chunkA = job.PackAInUnit ? ChunkScratch(ref t_chunkA, Mc * Kc) : [];
        float[] chunkB = job.PackBInUnit ? ChunkScratch(ref t_chunkB, MaxPanelBlock * Kc * Nr) : [];

        fixed (float* ca = chunkA)
        fixed (float* cb = chunkB)
        for (int k0 = 0; k0 < k; k0 += Kc)
        {
            int kc = Math.Min(Kc, k - k0);
            bool add = job.Accumulate || k0 > 0;
            // Where row group i's chunk starts (aBase + i·aStride + aOffset) and panel j's (bBase + j·bStride + bOffset):
            // in the up-front packing (all of K) or in this block's chunk scratch, packed here (this chunk only).
            float* aBase = job.PackedA, bBase = job.PackedB;
            nint aStride = k, bStride = (nint)k * Nr, aOffset = (nint)k0, bOffset = (nint)k0 * Nr;
            if (job.PackAInUnit)
            {
                aBase = ca - (nint)i0 * kc; aStride = kc; aOffset = 0;
                float* src = job.TransA ? job.A + k0 * job.Lda : job.A + k0;
                SgemmPacking.PackA(job.TransA, src, job.Lda, job.M, kc, mr, aBase, i0, i1);
            }
            if (job.PackBInUnit)
            {
                bBase = cb - (nint)j0 * kc * Nr; bStride = (nint)kc * Nr; bOffset = 0;
                float* src = job.TransB ? job.B + k0 : job.B + k0 * job.Ldb;
                SgemmPacking.PackB(job.TransB, src, job.Ldb, kc, n, bBase, j0, j1);
            }
            if (i1 - i0 == 1 && isa != GemmIsa.Scalar)
            {
                RowPanels(isa, aBase + (nint)i0 * aStride + aOffset, bBase + bOffset, bStride, kc,
                    job.C + i0 * ldc, n, j0, j1, add, tmp);
                continue;
            }
            for (int j = j0; j < j1; j++)
            {
                float* bp = bBase + j * bStride + bOffset;
                int c0 = j * Nr, w = Math.Min(Nr, n - c0);
                for (int i = i0; i < i1; i += mr)
                {
                    int r = Math.Min(mr, job.M - i);
                    float* ap = aBase + (nint)i * aStride + aOffset * r;
                    float* cp = job.C + i * ldc + c0;
                    // The last full group and a short one after it (only the matrix's last group is short) in one pass.
                    int r2 = i1 - i - r;
                    if (w == Nr && r2 > 0 && r2 < mr && PairsRowGroups(isa, r2))
                    {
                        TilePair(r2, ap, aBase + (nint)(i + r) * aStride + aOffset * r2, bp, kc, cp, ldc, add);
                        break;
                    }
                    if (w == Nr)
                    {
                        Tile(isa, r, ap, bp, kc, cp, ldc, add);
                    }
                    else
                    {
                        // Edge panel: the padded columns are computed into a scratch tile, only w are kept.
                        Tile(isa, r, ap, bp, kc, tmp, Nr, false);
                        Merge(tmp, r, w, cp, ldc, add);
                    }
                }
            }
        }
    }

    private static float[] ChunkScratch(ref float[]? buffer, int length) =>
        buffer ??= GC.AllocateUninitializedArray<float>(length, pinned: true);
}
