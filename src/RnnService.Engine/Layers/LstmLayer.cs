using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;

namespace RnnService.Engine.Layers;

/// <summary>
/// LSTM layer (PyTorch nn.LSTM, gate order i, f, g, o):
///   a = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh          [4H]
///   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
///   c_t = f ⊙ c_{t-1} + i ⊙ g
///   h_t = o ⊙ tanh(c_t)
/// </summary>
public sealed class LstmLayer(ParameterSet parameters, string prefix, int layerIndex, int inputSize, int hiddenSize, string suffix = "")
    : RecurrentLayer(parameters, prefix, layerIndex, inputSize, hiddenSize, gates: 4, suffix)
{
    public override bool HasCellState => true;
    protected override bool SeparateHiddenProjection => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ForwardCell(int step, int row)
    {
        int h = HiddenSize, bh = B * h;
        var a = Xp.AsSpan((step * B + row) * 4 * h, 4 * h);
        TensorPrimitives.Sigmoid(a[..(2 * h)], a[..(2 * h)]);          // i, f
        TensorPrimitives.Tanh(a.Slice(2 * h, h), a.Slice(2 * h, h));    // g
        TensorPrimitives.Sigmoid(a.Slice(3 * h, h), a.Slice(3 * h, h)); // o
        var i = a[..h]; var f = a.Slice(h, h); var g = a.Slice(2 * h, h); var o = a.Slice(3 * h, h);
        var cPrev = Cs.AsSpan(step * bh + row * h, h);
        var c = Cs.AsSpan((step + 1) * bh + row * h, h);
        var tc = Aux.AsSpan((step * B + row) * h, h);
        TensorPrimitives.Multiply(f, cPrev, c);
        TensorPrimitives.FusedMultiplyAdd(i, g, c, c);
        TensorPrimitives.Tanh(c, tc);
        TensorPrimitives.Multiply(o, tc, Hs.AsSpan((step + 1) * bh + row * h, h));
    }

    // dc += dh ⊙ o ⊙ (1 − tanh²c);  da_o = dh ⊙ tanh c ⊙ o(1−o);  da_i = dc ⊙ g ⊙ i(1−i)
    // da_f = dc ⊙ c_{t-1} ⊙ f(1−f);  da_g = dc ⊙ i ⊙ (1−g²);      dc_{t-1} = dc ⊙ f
    // 8 lanes at a time, then a scalar tail with the same operations in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void BackwardCell(int step, int row)
    {
        int h = HiddenSize, bh = B * h, gh = 4 * h;
        var a = Xp.AsSpan((step * B + row) * gh, gh);
        var da = DXp.AsSpan((step * B + row) * gh, gh);
        var ai = a[..h]; var af = a.Slice(h, h); var ag = a.Slice(2 * h, h); var ao = a.Slice(3 * h, h);
        var dai = da[..h]; var daf = da.Slice(h, h); var dag = da.Slice(2 * h, h); var dao = da.Slice(3 * h, h);
        var cPrev = Cs.AsSpan(step * bh + row * h, h);
        var tc = Aux.AsSpan((step * B + row) * h, h);
        var dh = Dh.AsSpan(row * h, h);
        var dc = Dc.AsSpan(row * h, h);
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; k + 8 <= h; k += 8)
            {
                var i = Vector256.Create(ai[k..]); var f = Vector256.Create(af[k..]);
                var g = Vector256.Create(ag[k..]); var o = Vector256.Create(ao[k..]);
                var t = Vector256.Create(tc[k..]);
                var dhk = Vector256.Create(dh[k..]);
                var dck = Vector256.Create(dc[k..]) + dhk * o * (one - t * t);
                (dck * g * i * (one - i)).CopyTo(dai[k..]);
                (dck * Vector256.Create(cPrev[k..]) * f * (one - f)).CopyTo(daf[k..]);
                (dck * i * (one - g * g)).CopyTo(dag[k..]);
                (dhk * t * o * (one - o)).CopyTo(dao[k..]);
                (dck * f).CopyTo(dc[k..]);
                Vector256<float>.Zero.CopyTo(dh[k..]);
            }
        }
        for (; k < h; k++)
        {
            float i = ai[k], f = af[k], g = ag[k], o = ao[k], t = tc[k];
            float dhk = dh[k];
            float dck = dc[k] + dhk * o * (1 - t * t);
            dai[k] = dck * g * i * (1 - i);
            daf[k] = dck * cPrev[k] * f * (1 - f);
            dag[k] = dck * i * (1 - g * g);
            dao[k] = dhk * t * o * (1 - o);
            dc[k] = dck * f;
            dh[k] = 0;
        }
    }
}
