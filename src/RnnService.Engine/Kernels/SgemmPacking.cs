// Packing for C = op(A)·op(B):
//   A row group (rows i0..i0+R-1, R = min(mr, M-i0)) at offset i0·K:  PA[i0·K + p·R + r] = op(A)[i0+r, p]
//   B panel j at offset j·K·Nr:                                        PB[j·K·Nr + p·Nr + c] = op(B)[p, j·Nr + c]
// Packing turns every operand access in the micro-kernel into a contiguous, unit-stride stream:
// R broadcasts of A and Nr/16 vector loads of B per step of k.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
                // B stored [N,K]: column c of the panel is contiguous in row (c0 + c) of the source.
                // Walk 4 source rows at a time so each k step writes 4 adjacent floats.
                int c = 0;
                for (; c + 4 <= w; c += 4)
                {
                    float* s0 = b + (nint)(c0 + c) * ldb;
                    float* s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
                    float* dd = d + c;
                    for (int p = 0; p < k; p++, dd += Nr)
                    {
                        dd[0] = s0[p]; dd[1] = s1[p]; dd[2] = s2[p]; dd[3] = s3[p];
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

    /// <summary>Packs rows [i0, i1) (i0 a multiple of mr) of op(A)[M,K] into dst in groups of mr rows (layout above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int m, int k, int mr, float* dst, int i0, int i1)
    {
        for (int i = i0; i < i1; i += mr)
        {
            int r = Math.Min(mr, m - i);
            float* d = dst + (nint)i * k;
            if (transA)
            {
                // A stored [K,M]: the R values of one k step are adjacent in the source.
                float* s = a + i;
                for (int p = 0; p < k; p++, s += lda, d += r)
                    for (int rr = 0; rr < r; rr++) d[rr] = s[rr];
            }
            else if (r == 8)
            {
                // A stored [M,K]: interleave 8 row streams.
                float* s0 = a + (nint)i * lda;
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                float* s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                for (int p = 0; p < k; p++, d += 8)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                    d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
                }
            }
            else if (r == 6)
            {
                float* s0 = a + (nint)i * lda;
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                for (int p = 0; p < k; p++, d += 6)
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
