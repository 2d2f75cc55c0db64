using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

/// <summary>
/// Single-precision matrix multiply over row-major spans:
///   C[M,N] = (accumulate ? C : 0) + op(A)[M,K] · op(B)[K,N]
/// where op(X) is X or Xᵀ. Leading dimensions (lda, ldb, ldc) are row strides of the stored matrices.
/// </summary>
public static class Sgemm
{
    /// <summary>General entry point: packs B for this call and runs the packed kernel.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        SgemmNaive.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }

    /// <summary>C[M,N] (+)= A[M,K] · B where B was packed once with <see cref="PackedMatrix.Pack"/>.</summary>
    public static void Multiply(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b,
        Span<float> c, int ldc, bool accumulate)
    {
        var bs = b.Data;
        SgemmNaive.Multiply(false, false, m, b.N, b.K, a, lda, bs, b.N, c, ldc, accumulate);
    }
}
