// The tile-level pieces Sgemm's blocks and the fused recurrent step call: one register tile (Tile, dispatched by
// instruction set and row count to SgemmMicroKernels), an edge tile's merge into C (Merge), and the single-row
// matrix-vector path over several panels (RowPanels).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Kernels;

public static unsafe partial class Sgemm
{
    /// <summary>A single output row (matrix-vector product): several panels at a time for enough independent FMA chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowPanels(GemmIsa isa, float* a, float* b, nint ps, int kc, float* c, int n, int j0, int j1, bool add, float* tmp)
    {
        const int Nr = SgemmPacking.Nr;
        int full = Math.Min(j1, n / Nr);   // panels with all 32 columns inside N
        int j = j0;
        if (isa == GemmIsa.Vector512)
        {
            for (; j + 4 <= full; j += 4)
                SgemmMicroKernels.Row512<Int4>(a, b + j * ps, ps, kc, c + j * Nr, add);
            switch (full - j)
            {
                case 3: SgemmMicroKernels.Row512<Int3>(a, b + j * ps, ps, kc, c + j * Nr, add); j += 3; break;
                case 2: SgemmMicroKernels.Row512<Int2>(a, b + j * ps, ps, kc, c + j * Nr, add); j += 2; break;
                case 1: SgemmMicroKernels.Row512<Int1>(a, b + j * ps, ps, kc, c + j * Nr, add); j += 1; break;
            }
            if (j < j1)
            {
                SgemmMicroKernels.Row512<Int1>(a, b + j * ps, ps, kc, tmp, false);
                Merge(tmp, 1, n - j * Nr, c + j * Nr, 0, add);
            }
        }
        else
        {
            for (; j + 3 <= full; j += 3)
                SgemmMicroKernels.Row256<Int3>(a, b + j * ps, ps, kc, c + j * Nr, add);
            switch (full - j)
            {
                case 2: SgemmMicroKernels.Row256<Int2>(a, b + j * ps, ps, kc, c + j * Nr, add); j += 2; break;
                case 1: SgemmMicroKernels.Row256<Int1>(a, b + j * ps, ps, kc, c + j * Nr, add); j += 1; break;
            }
            if (j < j1)
            {
                SgemmMicroKernels.Row256<Int1>(a, b + j * ps, ps, kc, tmp, false);
                Merge(tmp, 1, n - j * Nr, c + j * Nr, 0, add);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Merge(float* tmp, int r, int w, float* c, nint ldc, bool add)
    {
        for (int i = 0; i < r; i++)
        {
            float* t = tmp + i * SgemmPacking.Nr;
            float* cp = c + i * ldc;
            if (add) for (int j = 0; j < w; j++) cp[j] += t[j];
            else for (int j = 0; j < w; j++) cp[j] = t[j];
        }
    }

    /// <summary>Whether a full row group and the short group of r2 rows after it run as one tile (TilePair): with Vector512
    /// (8-row groups) and r2 ≤ 4, where the pair's 16 + 2·r2 accumulators and the two B vectors fit the 32 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool PairsRowGroups(GemmIsa isa, int r2) => isa == GemmIsa.Vector512 && r2 >= 1 && r2 <= 4;

    /// <summary>8 rows at a (stride 8) and r2 rows at a2 (stride r2) over one full panel; C rows c.. and c + 8·ldc...</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TilePair(int r2, float* a, float* a2, float* b, int kc, float* c, nint ldc, bool add)
    {
        switch (r2)
        {
            case 4: SgemmMicroKernels.Tile512<Int8, Int4>(a, a2, b, kc, c, ldc, add); break;
            case 3: SgemmMicroKernels.Tile512<Int8, Int3>(a, a2, b, kc, c, ldc, add); break;
            case 2: SgemmMicroKernels.Tile512<Int8, Int2>(a, a2, b, kc, c, ldc, add); break;
            default: SgemmMicroKernels.Tile512<Int8, Int1>(a, a2, b, kc, c, ldc, add); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile(GemmIsa isa, int r, float* a, float* b, int kc, float* c, nint ldc, bool add)
    {
        if (isa == GemmIsa.Vector512)
        {
            switch (r)
            {
                case 8: SgemmMicroKernels.Tile512<Int8, Int0>(a, null, b, kc, c, ldc, add); break;
                case 7: SgemmMicroKernels.Tile512<Int7, Int0>(a, null, b, kc, c, ldc, add); break;
                case 6: SgemmMicroKernels.Tile512<Int6, Int0>(a, null, b, kc, c, ldc, add); break;
                case 5: SgemmMicroKernels.Tile512<Int5, Int0>(a, null, b, kc, c, ldc, add); break;
                case 4: SgemmMicroKernels.Tile512<Int4, Int0>(a, null, b, kc, c, ldc, add); break;
                case 3: SgemmMicroKernels.Tile512<Int3, Int0>(a, null, b, kc, c, ldc, add); break;
                case 2: SgemmMicroKernels.Tile512<Int2, Int0>(a, null, b, kc, c, ldc, add); break;
                default: SgemmMicroKernels.Tile512<Int1, Int0>(a, null, b, kc, c, ldc, add); break;
            }
        }
        else if (isa == GemmIsa.Vector256)
        {
            // Two half panels of 16 columns each (AVX2 has only 16 ymm registers).
            for (int h = 0; h < SgemmPacking.Nr; h += 16)
            {
                switch (r)
                {
                    case 6: SgemmMicroKernels.Tile256<Int6>(a, b + h, kc, c + h, ldc, add); break;
                    case 5: SgemmMicroKernels.Tile256<Int5>(a, b + h, kc, c + h, ldc, add); break;
                    case 4: SgemmMicroKernels.Tile256<Int4>(a, b + h, kc, c + h, ldc, add); break;
                    case 3: SgemmMicroKernels.Tile256<Int3>(a, b + h, kc, c + h, ldc, add); break;
                    case 2: SgemmMicroKernels.Tile256<Int2>(a, b + h, kc, c + h, ldc, add); break;
                    default: SgemmMicroKernels.Tile256<Int1>(a, b + h, kc, c + h, ldc, add); break;
                }
            }
        }
        else
        {
            SgemmMicroKernels.TileScalar(r, a, b, kc, c, ldc, add);
        }
    }
}
