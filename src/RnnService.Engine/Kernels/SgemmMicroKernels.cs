// Micro-kernels for one output tile:  C[r, c] = (add ? C[r, c] : 0) + Σ_p PA[p·R + r] · PB[p·32 + c]
// Every element is one fused-multiply-add chain over p in increasing order, started from zero and
// added to C once at the end, in all three instruction sets (Vector512, Vector256, scalar
// MathF.FusedMultiplyAdd). So the result of an element never depends on the tile it landed in, on
// the instruction set, or on which thread computed it.
// (The unrolled bodies were generated; each row/panel line is guarded by a compile-time constant.)
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Kernels;

/// <summary>A compile-time integer: the JIT specialises generic code per struct type argument,
/// so `if (R > 3)` on TR.Value disappears and unused accumulators are never allocated.</summary>
internal interface IConstInt { static abstract int Value { get; } }
internal struct Int0 : IConstInt { public static int Value => 0; }
internal struct Int1 : IConstInt { public static int Value => 1; }
internal struct Int2 : IConstInt { public static int Value => 2; }
internal struct Int3 : IConstInt { public static int Value => 3; }
internal struct Int4 : IConstInt { public static int Value => 4; }
internal struct Int5 : IConstInt { public static int Value => 5; }
internal struct Int6 : IConstInt { public static int Value => 6; }
internal struct Int7 : IConstInt { public static int Value => 7; }
internal struct Int8 : IConstInt { public static int Value => 8; }

internal static unsafe class SgemmMicroKernels
{
    /// <summary>R ≤ 8 rows × 32 columns with Vector512: 2R accumulators (16 of the 32 zmm registers at R = 8),
    /// two B loads and R broadcasts per step of k. a: packed A with stride R; b: panel with stride 32.
    /// With R2 &gt; 0, also the short row group after a full one (a2: stride R2 ≤ 4; C rows c + (R + i)·ldc) in the same
    /// pass, 2·R2 more accumulators, so each pair of B loads serves R + R2 rows: a short group alone has too few independent
    /// chains to cover the FMA latency (over W3's 32 gate panels 2 rows took 10.4-11.0 µs, half of 8 rows' 20.5-21.4, and
    /// 8 + 2 rows in one pass 24.6-25.9 against 31.1-32.8 as two tiles). Each element is the same chain either way.</summary>
    // NoInlining: inlined into the blocking loop, the accumulators would compete with its live values for registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Tile512<TR, TR2>(float* a, float* a2, float* b, int kc, float* c, nint ldc, bool add)
        where TR : struct, IConstInt where TR2 : struct, IConstInt
    {
        int R = TR.Value, R2 = TR2.Value;
        Vector512<float>
            c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero,
            c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero,
            c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero,
            c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero,
            c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero,
            c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero,
            c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero,
            c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero,
            d00 = Vector512<float>.Zero, d01 = Vector512<float>.Zero,
            d10 = Vector512<float>.Zero, d11 = Vector512<float>.Zero,
            d20 = Vector512<float>.Zero, d21 = Vector512<float>.Zero,
            d30 = Vector512<float>.Zero, d31 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            { var av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01); }
            if (R > 1) { var av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11); }
            if (R > 2) { var av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21); }
            if (R > 3) { var av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31); }
            if (R > 4) { var av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41); }
            if (R > 5) { var av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51); }
            if (R > 6) { var av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61); }
            if (R > 7) { var av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71); }
            if (R2 > 0) { var av = Vector512.Create(a2[0]); d00 = Vector512.FusedMultiplyAdd(av, b0, d00); d01 = Vector512.FusedMultiplyAdd(av, b1, d01); }
            if (R2 > 1) { var av = Vector512.Create(a2[1]); d10 = Vector512.FusedMultiplyAdd(av, b0, d10); d11 = Vector512.FusedMultiplyAdd(av, b1, d11); }
            if (R2 > 2) { var av = Vector512.Create(a2[2]); d20 = Vector512.FusedMultiplyAdd(av, b0, d20); d21 = Vector512.FusedMultiplyAdd(av, b1, d21); }
            if (R2 > 3) { var av = Vector512.Create(a2[3]); d30 = Vector512.FusedMultiplyAdd(av, b0, d30); d31 = Vector512.FusedMultiplyAdd(av, b1, d31); }
            a += R;
            a2 += R2;
            b += SgemmPacking.Nr;
        }
        Store2(c + 0 * ldc, c00, c01, add);
        if (R > 1) Store2(c + 1 * ldc, c10, c11, add);
        if (R > 2) Store2(c + 2 * ldc, c20, c21, add);
        if (R > 3) Store2(c + 3 * ldc, c30, c31, add);
        if (R > 4) Store2(c + 4 * ldc, c40, c41, add);
        if (R > 5) Store2(c + 5 * ldc, c50, c51, add);
        if (R > 6) Store2(c + 6 * ldc, c60, c61, add);
        if (R > 7) Store2(c + 7 * ldc, c70, c71, add);
        if (R2 > 0) Store2(c + (R + 0) * ldc, d00, d01, add);
        if (R2 > 1) Store2(c + (R + 1) * ldc, d10, d11, add);
        if (R2 > 2) Store2(c + (R + 2) * ldc, d20, d21, add);
        if (R2 > 3) Store2(c + (R + 3) * ldc, d30, d31, add);
    }

    /// <summary>R ≤ 6 rows × 16 columns (half a panel) with Vector256: 12 accumulators + 2 B vectors + 1 broadcast
    /// fit the 16 ymm registers of AVX2. a: packed A with stride R; b: half panel with stride 32.</summary>
    // NoInlining: inlined into the blocking loop, the accumulators would compete with its live values for registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Tile256<TR>(float* a, float* b, int kc, float* c, nint ldc, bool add) where TR : struct, IConstInt
    {
        int R = TR.Value;
        Vector256<float>
            c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero,
            c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero,
            c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero,
            c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero,
            c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero,
            c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            { var av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01); }
            if (R > 1) { var av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11); }
            if (R > 2) { var av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21); }
            if (R > 3) { var av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31); }
            if (R > 4) { var av = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41); }
            if (R > 5) { var av = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51); }
            a += R;
            b += SgemmPacking.Nr;
        }
        Store2(c + 0 * ldc, c00, c01, add);
        if (R > 1) Store2(c + 1 * ldc, c10, c11, add);
        if (R > 2) Store2(c + 2 * ldc, c20, c21, add);
        if (R > 3) Store2(c + 3 * ldc, c30, c31, add);
        if (R > 4) Store2(c + 4 * ldc, c40, c41, add);
        if (R > 5) Store2(c + 5 * ldc, c50, c51, add);
    }

    /// <summary>One row × P ≤ 4 panels with Vector512, for matrix-vector products (batch 1): one row has only two
    /// accumulators per panel, too few to hide FMA latency, so P panels run side by side. ps: panel stride (K·32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Row512<TP>(float* a, float* b, nint ps, int kc, float* c, bool add) where TP : struct, IConstInt
    {
        int P = TP.Value;
        Vector512<float>
            d00 = Vector512<float>.Zero, d01 = Vector512<float>.Zero,
            d10 = Vector512<float>.Zero, d11 = Vector512<float>.Zero,
            d20 = Vector512<float>.Zero, d21 = Vector512<float>.Zero,
            d30 = Vector512<float>.Zero, d31 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var av = Vector512.Create(a[p]);
            { d00 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 0 * ps + 0), d00); d01 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 0 * ps + 16), d01); }
            if (P > 1) { d10 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 1 * ps + 0), d10); d11 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 1 * ps + 16), d11); }
            if (P > 2) { d20 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 2 * ps + 0), d20); d21 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 2 * ps + 16), d21); }
            if (P > 3) { d30 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 3 * ps + 0), d30); d31 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 3 * ps + 16), d31); }
            b += SgemmPacking.Nr;
        }
        Store2(c + 0 * SgemmPacking.Nr, d00, d01, add);
        if (P > 1) Store2(c + 1 * SgemmPacking.Nr, d10, d11, add);
        if (P > 2) Store2(c + 2 * SgemmPacking.Nr, d20, d21, add);
        if (P > 3) Store2(c + 3 * SgemmPacking.Nr, d30, d31, add);
    }

    /// <summary>One row × P ≤ 3 panels with Vector256 (12 accumulators, B loads folded into the FMAs). ps: panel stride (K·32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Row256<TP>(float* a, float* b, nint ps, int kc, float* c, bool add) where TP : struct, IConstInt
    {
        int P = TP.Value;
        Vector256<float>
            d00 = Vector256<float>.Zero, d01 = Vector256<float>.Zero, d02 = Vector256<float>.Zero, d03 = Vector256<float>.Zero,
            d10 = Vector256<float>.Zero, d11 = Vector256<float>.Zero, d12 = Vector256<float>.Zero, d13 = Vector256<float>.Zero,
            d20 = Vector256<float>.Zero, d21 = Vector256<float>.Zero, d22 = Vector256<float>.Zero, d23 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var av = Vector256.Create(a[p]);
            { d00 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 0 * ps + 0), d00); d01 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 0 * ps + 8), d01); d02 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 0 * ps + 16), d02); d03 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 0 * ps + 24), d03); }
            if (P > 1) { d10 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 1 * ps + 0), d10); d11 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 1 * ps + 8), d11); d12 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 1 * ps + 16), d12); d13 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 1 * ps + 24), d13); }
            if (P > 2) { d20 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 2 * ps + 0), d20); d21 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 2 * ps + 8), d21); d22 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 2 * ps + 16), d22); d23 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 2 * ps + 24), d23); }
            b += SgemmPacking.Nr;
        }
        Store4(c + 0 * SgemmPacking.Nr, d00, d01, d02, d03, add);
        if (P > 1) Store4(c + 1 * SgemmPacking.Nr, d10, d11, d12, d13, add);
        if (P > 2) Store4(c + 2 * SgemmPacking.Nr, d20, d21, d22, d23, add);
    }

    /// <summary>Portable fallback: R rows × 32 columns, same FMA chain per element as the vector kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void TileScalar(int r, float* a, float* b, int kc, float* c, nint ldc, bool add)
    {
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < SgemmPacking.Nr; j++)
            {
                float acc = 0f;
                float* ap = a + i;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, ap += r, bp += SgemmPacking.Nr)
                    acc = MathF.FusedMultiplyAdd(*ap, *bp, acc);
                float* cp = c + i * ldc + j;
                *cp = add ? *cp + acc : acc;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, Vector512<float> v0, Vector512<float> v1, bool add)
    {
        if (add)
        {
            v0 = Vector512.Load(c + 0) + v0;
            v1 = Vector512.Load(c + 16) + v1;
        }
        Vector512.Store(v0, c + 0);
        Vector512.Store(v1, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, Vector256<float> v0, Vector256<float> v1, bool add)
    {
        if (add)
        {
            v0 = Vector256.Load(c + 0) + v0;
            v1 = Vector256.Load(c + 8) + v1;
        }
        Vector256.Store(v0, c + 0);
        Vector256.Store(v1, c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* c, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, bool add)
    {
        if (add)
        {
            v0 = Vector256.Load(c + 0) + v0;
            v1 = Vector256.Load(c + 8) + v1;
            v2 = Vector256.Load(c + 16) + v2;
            v3 = Vector256.Load(c + 24) + v3;
        }
        Vector256.Store(v0, c + 0);
        Vector256.Store(v1, c + 8);
        Vector256.Store(v2, c + 16);
        Vector256.Store(v3, c + 24);
    }
}
