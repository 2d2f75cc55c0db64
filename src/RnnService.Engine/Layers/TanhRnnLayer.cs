using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>
/// Elman RNN layer (PyTorch nn.RNN, nonlinearity tanh):
///   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
/// </summary>
public sealed class TanhRnnLayer(ParameterSet parameters, string prefix, int layerIndex, int inputSize, int hiddenSize, string suffix = "")
    : RecurrentLayer(parameters, prefix, layerIndex, inputSize, hiddenSize, gates: 1, suffix)
{
    public override bool HasCellState => false;
    protected override bool SeparateHiddenProjection => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override unsafe void ForwardCell(int step, int row, int u0, int count, GemmIsa isa)
    {
        int h = HiddenSize;
        fixed (float* xp = Xp)
        fixed (float* hs = Hs)
        {
            float* a = xp + (nint)(StoredStep(step) * B + row) * h + u0;
            float* hNew = hs + ((nint)StateSlot(step + 1) * B + row) * h + u0;
            int k = 0;
            if (isa == GemmIsa.Vector512)
                for (; k + 16 <= count; k += 16)
                {
                    var v = FastActivations.Tanh(Vector512.Load(a + k));
                    v.Store(a + k); v.Store(hNew + k);
                }
            if (isa != GemmIsa.Scalar)
                for (; k + 8 <= count; k += 8)
                {
                    var v = FastActivations.Tanh(Vector256.Load(a + k));
                    v.Store(a + k); v.Store(hNew + k);
                }
            for (; k < count; k++) hNew[k] = a[k] = FastActivations.Tanh(a[k]);
        }
    }

    // da = dh ⊙ (1 − h_t²); 16, 8 or 1 lanes at a time as isa allows, the same operations, so the bits do not depend on isa.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe void BackwardCell(int step, int row, GemmIsa isa)
    {
        int h = HiddenSize;
        fixed (float* xp = Xp)
        fixed (float* dxp = DXp)
        fixed (float* dhs = Dh)
        {
            float* a = xp + (nint)(step * B + row) * h;
            float* da = dxp + (nint)(step * B + row) * h;
            float* dh = dhs + (nint)row * h;
            int k = 0;
            if (isa == GemmIsa.Vector512)
            {
                for (; k + 16 <= h; k += 16)
                {
                    var ak = Vector512.Load(a + k);
                    (Vector512.Load(dh + k) * (Vector512<float>.One - ak * ak)).Store(da + k);
                    Vector512<float>.Zero.Store(dh + k);
                }
            }
            if (isa != GemmIsa.Scalar)
            {
                for (; k + 8 <= h; k += 8)
                {
                    var ak = Vector256.Load(a + k);
                    (Vector256.Load(dh + k) * (Vector256<float>.One - ak * ak)).Store(da + k);
                    Vector256<float>.Zero.Store(dh + k);
                }
            }
            for (; k < h; k++)
            {
                da[k] = dh[k] * (1 - a[k] * a[k]);
                dh[k] = 0;
            }
        }
    }
}
