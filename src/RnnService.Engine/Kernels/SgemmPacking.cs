// Packing for C = op(A)·op(B):
//   A row group (rows i0..i0+R-1, R = min(mr, M-i0)) at offset i0·K:  PA[i0·K + p·R + r] = op(A)[i0+r, p]
//   B panel j at offset j·K·Nr:                                        PB[j·K·Nr + p·Nr + c] = op(B)[p, j·Nr + c]
// Packing turns every operand access in the micro-kernel into a contiguous, unit-stride stream:
// R broadcasts of A and Nr/16 vector loads of B per step of k.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnService.Engine.Kernels;

internal static unsafe class SgemmPacking
{
    /// <summary>Rows per micro-tile (broadcast A values per step of k) for Vector512 and scalar: 8 × 32 uses 16 zmm accumulators.</summary>
    public const int Mr = 8;
    /// <summary>Rows per micro-tile for Vector256: 6 × 16 uses 12 of the 16 ymm registers as accumulators.</summary>
    public const int Mr256 = 6;
    /// <summary>Columns per panel / micro-tile: two Vector512 (or four Vector256) registers.</summary>
    public const int Nr = 32;

    /// <summary>Throws unless a row-major [rows, cols] matrix with stride ld fits in length floats.</summary>
    public static void CheckOperand(int length, int rows, int cols, int ld, string name)
    {
        if (ld < cols)
            throw new ArgumentOutOfRangeException(name, $"Leading dimension {ld} is smaller than the row width {cols}.");
        if (rows > 0 && cols > 0 && length < (long)(rows - 1) * ld + cols)
            throw new ArgumentException($"Span of {length} floats is too short for a [{rows},{cols}] matrix with stride {ld}.", name);
    }

    /// <summary>Packs panels [j0, j1) of op(B)[K,N] into dst (panel layout above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int k, int n, float* dst, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
        {
            int c0 = j * Nr;
            int w = Math.Min(Nr, n - c0);
            float* d = dst + (nint)j * k * Nr;
            if (!transB)
            {
                // B[K,N]: each panel row is a contiguous run of w floats.
                float* s = b + c0;
                if (w == Nr)
                {
                    for (int p = 0; p < k; p++, s += ldb, d += Nr)
                        Copy32(s, d);
                }
                else
                {
                    for (int p = 0; p < k; p++, s += ldb, d += Nr)
                    {
                        int c = 0;
                        for (; c < w; c++) d[c] = s[c];
                        for (; c < Nr; c++) d[c] = 0f;
                    }
                }
            }
            else
            {
                // B stored [N,K]: column c of the panel is row (c0 + c) of the source, contiguous over p.
                // 8 × 8 blocks are transposed in registers so both reads and writes stay contiguous.
                int c = 0;
                if (Avx.IsSupported)
                {
                    for (; c + 8 <= w; c += 8)
                    {
                        float* s0 = b + (nint)(c0 + c) * ldb;
                        int p = 0;
                        for (; p + 8 <= k; p += 8)
                            Transpose8x8(s0 + p, ldb, d + (nint)p * Nr + c, Nr);
                        for (; p < k; p++)
                            for (int cc = 0; cc < 8; cc++) d[(nint)p * Nr + c + cc] = s0[cc * ldb + p];
                    }
                }
                for (; c < w; c++)
                {
                    float* s = b + (nint)(c0 + c) * ldb;
                    float* dd = d + c;
                    for (int p = 0; p < k; p++, dd += Nr) *dd = s[p];
                }
                if (w < Nr)
                {
                    float* dd = d;
                    for (int p = 0; p < k; p++, dd += Nr)
                        for (int cc = w; cc < Nr; cc++) dd[cc] = 0f;
                }
            }
        }
    }

    /// <summary>dst[q·lds + r] = src[r·ld + q] for an 8 × 8 block (unpack / shuffle / lane-permute transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* src, nint ld, float* dst, nint lds)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2 * ld);
        var r3 = Avx.LoadVector256(src + 3 * ld);
        var r4 = Avx.LoadVector256(src + 4 * ld);
        var r5 = Avx.LoadVector256(src + 5 * ld);
        var r6 = Avx.LoadVector256(src + 6 * ld);
        var r7 = Avx.LoadVector256(src + 7 * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + lds, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * lds, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * lds, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * lds, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * lds, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * lds, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * lds, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// dst[6q + r] = src[r·ld + q] for 6 rows × 8 columns (Transpose8x8 with two zero rows), stored as
    /// eight overlapping 8-float rows in increasing q: dst[48], dst[49] also get written (zeros).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose6x8(float* src, nint ld, float* dst)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2 * ld);
        var r3 = Avx.LoadVector256(src + 3 * ld);
        var r4 = Avx.LoadVector256(src + 4 * ld);
        var r5 = Avx.LoadVector256(src + 5 * ld);
        var z = Vector256<float>.Zero;
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, z, 0x44); var u5 = Avx.Shuffle(t4, z, 0xEE);
        var u6 = Avx.Shuffle(t5, z, 0x44); var u7 = Avx.Shuffle(t5, z, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + 6, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 12, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 18, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 24, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 30, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 36, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 42, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Packs rows [i0, i1) (i0 a multiple of mr) of op(A)[M,K] into dst in groups of mr rows (layout above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int m, int k, int mr, float* dst, int i0, int i1)
    {
        if (transA)
        {
            PackATransposed(a, lda, m, k, mr, dst, i0, i1, 0, k);
            return;
        }
        for (int i = i0; i < i1; i += mr)
        {
            int r = Math.Min(mr, m - i);
            float* d = dst + (nint)i * k;
            if (r == 8)
            {
                // A stored [M,K]: interleave 8 row streams, 8 columns at a time by an 8 × 8 register transpose.
                float* s0 = a + (nint)i * lda;
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                float* s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                int p = 0;
                if (Avx.IsSupported)
                    for (; p + 8 <= k; p += 8, d += 64) Transpose8x8(s0 + p, lda, d, 8);
                for (; p < k; p++, d += 8)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                    d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
                }
            }
            else if (r == 6)
            {
                float* s0 = a + (nint)i * lda;
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                int p = 0;
                // 8 columns at a time; each of those 8-float stores spills 2 floats into the next
                // column's slot, which a later store overwrites: p + 8 < k leaves at least one column
                // to the scalar loop, so nothing is written past this group.
                if (Avx.IsSupported)
                    for (; p + 8 < k; p += 8, d += 48) Transpose6x8(s0 + p, lda, d);
                for (; p < k; p++, d += 6)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p]; d[5] = s5[p];
                }
            }
            else
            {
                for (int rr = 0; rr < r; rr++)
                {
                    float* s = a + (nint)(i + rr) * lda;
                    float* dd = d + rr;
                    for (int p = 0; p < k; p++, dd += r) *dd = s[p];
                }
            }
        }
    }

    /// <summary>Columns [p0, p1) of rows [i0, i1) (i0 a multiple of mr) of op(A) = Aᵀ [M, K], A stored [K, M], into dst
    /// (layout above, K columns): a range of K, so that threads can pack one row block together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackATransposed(float* a, nint lda, int m, int k, int mr, float* dst, int i0, int i1, int p0, int p1)
    {
        // Walk source rows (p) in the outer loop so each is read once, contiguously, and hand each group its R adjacent
        // values. (Group-outer order strides through memory by lda per element and thrashes L1 when lda is a multiple of
        // 4 KB.) Each (p, group) is one contiguous run of R floats on both sides: a full group is copied with vector
        // moves (8 = one Vector256, 6 = one Vector128 + one 8-byte move).
        for (int p = p0; p < p1; p++)
        {
            float* s = a + (nint)p * lda;
            for (int i = i0; i < i1; i += mr)
            {
                int r = Math.Min(mr, m - i);
                float* d = dst + (nint)i * k + (nint)p * r;
                if (r == 8)
                {
                    Vector256.Store(Vector256.Load(s + i), d);
                }
                else if (r == 6)
                {
                    Vector128.Store(Vector128.Load(s + i), d);
                    *(ulong*)(d + 4) = *(ulong*)(s + i + 4);
                }
                else
                {
                    for (int rr = 0; rr < r; rr++) d[rr] = s[i + rr];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy32(float* s, float* d)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512.Store(Vector512.Load(s), d);
            Vector512.Store(Vector512.Load(s + 16), d + 16);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (int c = 0; c < Nr; c += 8) Vector256.Store(Vector256.Load(s + c), d + c);
        }
        else
        {
            for (int c = 0; c < Nr; c++) d[c] = s[c];
        }
    }
}
