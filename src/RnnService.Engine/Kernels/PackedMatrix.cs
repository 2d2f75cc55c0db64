namespace RnnService.Engine.Kernels;

/// <summary>
/// A right-hand operand op(B)[K,N] copied once into the layout the GEMM kernel reads fastest,
/// so a recurrent layer packs W_hh once per pass instead of once per time step.
/// </summary>
public sealed class PackedMatrix
{
    public int K { get; }
    public int N { get; }
    internal float[] Data { get; }

    public PackedMatrix(int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        K = k;
        N = n;
        Data = new float[k * n];
    }

    /// <summary>Packs op(B): B is [K,N] (transB false) or [N,K] (transB true), row stride ldb.</summary>
    public void Pack(bool transB, ReadOnlySpan<float> b, int ldb)
    {
        for (int p = 0; p < K; p++)
            for (int j = 0; j < N; j++)
                Data[p * N + j] = transB ? b[j * ldb + p] : b[p * ldb + j];
    }
}
