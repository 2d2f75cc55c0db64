using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Optimizers;

/// <summary>
/// SGD with optional momentum (PyTorch torch.optim.SGD, dampening 0, no Nesterov):
///   buf = momentum · buf + g   (buf = g on the first step);   p −= lr · buf
/// The loops run 8 lanes at a time with exactly the scalar operations (multiply, then add/subtract,
/// never fused), so every element gets the same bits as the scalar tail would give it.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[] _velocity;
    public float Momentum { get; }

    public Sgd(int parameterCount, float learningRate, float momentum = 0) : base(learningRate)
    {
        if (!float.IsFinite(momentum) || momentum < 0 || momentum >= 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        Momentum = momentum;
        _velocity = momentum > 0 ? new float[parameterCount] : [];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_velocity];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        int n = parameters.Length;
        if (gradients.Length < n) throw new ArgumentException("Gradient buffer is shorter than the parameters.", nameof(gradients));
        if (Momentum == 0)
        {
            Descend(parameters, gradients, LearningRate, VectorPath);
        }
        else
        {
            var buf = _velocity.AsSpan(0, n);
            if (Steps == 0) gradients[..n].CopyTo(buf);          // buf = g
            else UpdateVelocity(buf, gradients, Momentum, VectorPath); // buf = m·buf + g
            Descend(parameters, buf, LearningRate, VectorPath);
        }
        Steps++;
    }

    /// <summary>p[i] −= lr · d[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Descend(Span<float> p, ReadOnlySpan<float> d, float lr, bool vector)
    {
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float dr = ref MemoryMarshal.GetReference(d);
        int n = p.Length, i = 0;
        if (vector)
        {
            var vlr = Vector256.Create(lr);
            for (; i + 8 <= n; i += 8)
            {
                var pv = Vector256.LoadUnsafe(ref pr, (nuint)i);
                (pv - vlr * Vector256.LoadUnsafe(ref dr, (nuint)i)).StoreUnsafe(ref pr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref pr, i) -= lr * Unsafe.Add(ref dr, i);
    }

    /// <summary>v[i] = m · v[i] + g[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateVelocity(Span<float> v, ReadOnlySpan<float> g, float m, bool vector)
    {
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float gr = ref MemoryMarshal.GetReference(g);
        int n = v.Length, i = 0;
        if (vector)
        {
            var vm = Vector256.Create(m);
            for (; i + 8 <= n; i += 8)
                (vm * Vector256.LoadUnsafe(ref vr, (nuint)i) + Vector256.LoadUnsafe(ref gr, (nuint)i)).StoreUnsafe(ref vr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref vr, i) = m * Unsafe.Add(ref vr, i) + Unsafe.Add(ref gr, i);
    }
}
