using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Optimizers;

/// <summary>Clipping by global norm (PyTorch clip_grad_norm_): g ← g · min(1, max / (‖g‖₂ + 1e-6)).</summary>
public static class GradientClipping
{
    /// <summary>Returns the norm before clipping; maxNorm ≤ 0 disables clipping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        float norm = TensorPrimitives.Norm(gradients);
        if (maxNorm > 0 && norm > 0)
        {
            float coef = maxNorm / (norm + 1e-6f);
            if (coef < 1) RowOps.Multiply(gradients, coef, gradients);
        }
        return norm;
    }
}
