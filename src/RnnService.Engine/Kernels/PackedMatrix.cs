// Packed right operand:  P[j][p][c] = op(B)[p, 32·j + c]   (0 ≤ p < K, 0 ≤ c < 32, zero past N)
// The micro-kernel streams one 32-column panel row (two Vector512 loads) per step of k, so the
// panel layout makes every B load contiguous and aligned to the panel width.
using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

/// <summary>
/// A right-hand operand op(B)[K,N] copied once into the layout the GEMM kernel reads fastest,
/// so a recurrent layer packs W_hh once per pass instead of once per time step.
/// Layout: ceil(N/32) panels, each [K][32] floats, columns past N zero-filled.
/// </summary>
public sealed class PackedMatrix
{
    public int K { get; }
    public int N { get; }
    internal int Panels { get; }
    /// <summary>Long-lived weights: allocated on the pinned heap so they never get moved around by compaction.</summary>
    internal float[] Data { get; }

    public PackedMatrix(int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        K = k;
        N = n;
        Panels = (n + SgemmPacking.Nr - 1) / SgemmPacking.Nr;
        Data = GC.AllocateArray<float>(checked(Panels * SgemmPacking.Nr * k), pinned: true);
    }

    /// <summary>Packs op(B): B is [K,N] (transB false) or [N,K] (transB true), row stride ldb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Pack(bool transB, ReadOnlySpan<float> b, int ldb)
    {
        SgemmPacking.CheckOperand(b.Length, transB ? N : K, transB ? K : N, ldb, nameof(b));
        fixed (float* bp = b)
        fixed (float* dst = Data)
            SgemmPacking.PackB(transB, bp, ldb, K, N, dst, 0, Panels);
    }
}
