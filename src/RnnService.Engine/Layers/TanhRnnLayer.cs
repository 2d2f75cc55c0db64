using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using RnnService.Engine.Core;

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
    protected override void ForwardCell(int step, int row)
    {
        int h = HiddenSize;
        var a = Xp.AsSpan((step * B + row) * h, h);
        TensorPrimitives.Tanh(a, a);
        a.CopyTo(Hs.AsSpan(((step + 1) * B + row) * h, h));
    }

    // da = dh ⊙ (1 − h_t²)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void BackwardCell(int step, int row)
    {
        int h = HiddenSize;
        var a = Xp.AsSpan((step * B + row) * h, h);
        var da = DXp.AsSpan((step * B + row) * h, h);
        var dh = Dh.AsSpan(row * h, h);
        for (int k = 0; k < h; k++)
        {
            da[k] = dh[k] * (1 - a[k] * a[k]);
            dh[k] = 0;
        }
    }
}
