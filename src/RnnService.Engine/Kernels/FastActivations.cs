// Sigmoid and tanh on whole vectors, for the fused recurrent step (RecurrentStep): applied to a gate
// tile right after its GEMM, with no call per row. Both go through one exp:
//   exp(x) = 2^n · e^r,  n = round(x · log2 e),  r = x − n·ln 2 (ln 2 split in two for exactness),
//   e^r by a degree-6 Taylor/Horner polynomial on |r| ≤ ln2/2 (relative error below 2e-7),
//   2^n built in the exponent bits; x clamped to ±87 so 2^n stays a normal float.
//   σ(x) = 1 / (1 + e^−x)     tanh(x) = 1 − 2 / (e^2x + 1)
// tanh this way has an absolute (not relative) error of a few 1e-8 near 0, far inside the golden
// tolerance (1e-5 of the tensor's largest value). Vector512, Vector256 and scalar compute the same
// operations, so every instruction set gives the same bits.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Kernels;

internal static class FastActivations
{
    private const float Log2E = 1.44269504f;
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float Limit = 87f;
    private const float P6 = 1f / 720, P5 = 1f / 120, P4 = 1f / 24, P3 = 1f / 6, P2 = 0.5f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-Limit)), Vector512.Create(Limit));
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P6), r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-Limit)), Vector256.Create(Limit));
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P6), r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, -Limit), Limit);
        float n = MathF.Round(x * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(P6, r, P5);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        p = MathF.FusedMultiplyAdd(p, r, 1f);
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) =>
        Vector512<float>.One - Vector512.Create(2f) / (Exp(x + x) + Vector512<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) =>
        Vector256<float>.One - Vector256.Create(2f) / (Exp(x + x) + Vector256<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => 1f - 2f / (Exp(x + x) + 1f);
}
