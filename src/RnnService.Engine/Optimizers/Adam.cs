using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Optimizers;

/// <summary>
/// Adam with decoupled weight decay λ (PyTorch torch.optim.AdamW; λ = 0 is torch.optim.Adam), no amsgrad, step t ≥ 1:
///   p ·= 1 − lr·λ
///   m = β1 m + (1 − β1) g;   v = β2 v + (1 − β2) g²
///   p −= (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
/// The loop runs 8 lanes at a time with exactly the scalar tail's operations in the same order
/// (IEEE multiply, add, sqrt, divide; nothing fused), so results do not depend on the vector width.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly float[] _m, _v;
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }

    public Adam(int parameterCount, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float weightDecay = 0) : base(learningRate)
    {
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay));
        WeightDecay = weightDecay;
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1));
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2));
        if (!(epsilon > 0) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon));
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        _m = new float[parameterCount];
        _v = new float[parameterCount];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_m, _v];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        int n = parameters.Length;
        if (gradients.Length < n || _m.Length < n) throw new ArgumentException("Buffer sizes do not match the parameters.");
        Steps++;
        double bc1 = 1 - Math.Pow(Beta1, Steps);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        float stepSize = (float)(LearningRate / bc1);
        float invBc2Sqrt = (float)(1 / bc2Sqrt);
        float b1 = Beta1, b2 = Beta2, eps = Epsilon, c1 = 1 - b1, c2 = 1 - b2;
        float decay = (float)(1 - (double)LearningRate * WeightDecay);   // exactly 1 without weight decay
        ref float pr = ref MemoryMarshal.GetReference(parameters);
        ref float gr = ref MemoryMarshal.GetReference(gradients);
        ref float mr = ref MemoryMarshal.GetArrayDataReference(_m);
        ref float vr = ref MemoryMarshal.GetArrayDataReference(_v);
        int i = 0;
        if (VectorPath)
        {
            Vector256<float> vb1 = Vector256.Create(b1), vb2 = Vector256.Create(b2), vc1 = Vector256.Create(c1),
                vc2 = Vector256.Create(c2), vstep = Vector256.Create(stepSize), vinv = Vector256.Create(invBc2Sqrt),
                veps = Vector256.Create(eps), vdecay = Vector256.Create(decay);
            for (; i + 8 <= n; i += 8)
            {
                nuint o = (nuint)i;
                var g = Vector256.LoadUnsafe(ref gr, o);
                var m = vb1 * Vector256.LoadUnsafe(ref mr, o) + vc1 * g;
                var v = vb2 * Vector256.LoadUnsafe(ref vr, o) + vc2 * g * g;
                m.StoreUnsafe(ref mr, o);
                v.StoreUnsafe(ref vr, o);
                var p = Vector256.LoadUnsafe(ref pr, o) * vdecay - vstep * m / (Vector256.Sqrt(v) * vinv + veps);
                p.StoreUnsafe(ref pr, o);
            }
        }
        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref gr, i);
            float m = Unsafe.Add(ref mr, i) = b1 * Unsafe.Add(ref mr, i) + c1 * g;
            float v = Unsafe.Add(ref vr, i) = b2 * Unsafe.Add(ref vr, i) + c2 * g * g;
            Unsafe.Add(ref pr, i) = Unsafe.Add(ref pr, i) * decay - stepSize * m / (MathF.Sqrt(v) * invBc2Sqrt + eps);
        }
    }
}
