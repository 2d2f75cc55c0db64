using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;

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
    internal override unsafe void ForwardCell(int step, int row, int u0, int count, GemmIsa isa)
    {
        int h = HiddenSize, bh = B * h;
        fixed (float* xp = Xp)
        fixed (float* cs = Cs)
        fixed (float* aux = Aux)
        fixed (float* hs = Hs)
        {
            float* a = xp + (nint)(StoredStep(step) * B + row) * 4 * h + u0;   // i, f, g, o at a, a + h, a + 2h, a + 3h
            float* cPrev = cs + (nint)StateSlot(step) * bh + row * h + u0;
            float* c = cs + (nint)StateSlot(step + 1) * bh + row * h + u0;
            float* tc = aux + (nint)(StoredStep(step) * B + row) * h + u0;
            float* hNew = hs + (nint)StateSlot(step + 1) * bh + row * h + u0;
            int k = 0;
            if (isa == GemmIsa.Vector512)
            {
                for (; k + 16 <= count; k += 16)
                {
                    var i = FastActivations.Sigmoid(Vector512.Load(a + k));
                    var f = FastActivations.Sigmoid(Vector512.Load(a + h + k));
                    var g = FastActivations.Tanh(Vector512.Load(a + 2 * h + k));
                    var o = FastActivations.Sigmoid(Vector512.Load(a + 3 * h + k));
                    i.Store(a + k); f.Store(a + h + k); g.Store(a + 2 * h + k); o.Store(a + 3 * h + k);
                    var cv = Vector512.FusedMultiplyAdd(i, g, f * Vector512.Load(cPrev + k));
                    var t = FastActivations.Tanh(cv);
                    cv.Store(c + k); t.Store(tc + k); (o * t).Store(hNew + k);
                }
            }
            if (isa != GemmIsa.Scalar)
            {
                for (; k + 8 <= count; k += 8)
                {
                    var i = FastActivations.Sigmoid(Vector256.Load(a + k));
                    var f = FastActivations.Sigmoid(Vector256.Load(a + h + k));
                    var g = FastActivations.Tanh(Vector256.Load(a + 2 * h + k));
                    var o = FastActivations.Sigmoid(Vector256.Load(a + 3 * h + k));
                    i.Store(a + k); f.Store(a + h + k); g.Store(a + 2 * h + k); o.Store(a + 3 * h + k);
                    var cv = Vector256.FusedMultiplyAdd(i, g, f * Vector256.Load(cPrev + k));
                    var t = FastActivations.Tanh(cv);
                    cv.Store(c + k); t.Store(tc + k); (o * t).Store(hNew + k);
                }
            }
            for (; k < count; k++)
            {
                float i = FastActivations.Sigmoid(a[k]), f = FastActivations.Sigmoid(a[h + k]);
                float g = FastActivations.Tanh(a[2 * h + k]), o = FastActivations.Sigmoid(a[3 * h + k]);
                a[k] = i; a[h + k] = f; a[2 * h + k] = g; a[3 * h + k] = o;
                float cv = MathF.FusedMultiplyAdd(i, g, f * cPrev[k]);
                float t = FastActivations.Tanh(cv);
                c[k] = cv; tc[k] = t; hNew[k] = o * t;
            }
        }
    }

    // dc += dh ⊙ o ⊙ (1 − tanh²c);  da_o = dh ⊙ tanh c ⊙ o(1−o);  da_i = dc ⊙ g ⊙ i(1−i)
    // da_f = dc ⊙ c_{t-1} ⊙ f(1−f);  da_g = dc ⊙ i ⊙ (1−g²);      dc_{t-1} = dc ⊙ f
    // 16, 8 or 1 lanes at a time as isa allows, the same operations in the same order (no fused multiply-add), so the
    // bits do not depend on isa.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe void BackwardCell(int step, int row, GemmIsa isa)
    {
        int h = HiddenSize, bh = B * h, gh = 4 * h;
        fixed (float* xp = Xp)
        fixed (float* dxp = DXp)
        fixed (float* cs = Cs)
        fixed (float* aux = Aux)
        fixed (float* dhs = Dh)
        fixed (float* dcs = Dc)
        {
            float* a = xp + (nint)(step * B + row) * gh;      // i, f, g, o at a, a + h, a + 2h, a + 3h
            float* da = dxp + (nint)(step * B + row) * gh;
            float* cPrev = cs + (nint)step * bh + row * h;
            float* tc = aux + (nint)(step * B + row) * h;
            float* dh = dhs + (nint)row * h;
            float* dc = dcs + (nint)row * h;
            int k = 0;
            if (isa == GemmIsa.Vector512)
            {
                var one = Vector512<float>.One;
                for (; k + 16 <= h; k += 16)
                {
                    var i = Vector512.Load(a + k); var f = Vector512.Load(a + h + k);
                    var g = Vector512.Load(a + 2 * h + k); var o = Vector512.Load(a + 3 * h + k);
                    var t = Vector512.Load(tc + k);
                    var dhk = Vector512.Load(dh + k);
                    var dck = Vector512.Load(dc + k) + dhk * o * (one - t * t);
                    (dck * g * i * (one - i)).Store(da + k);
                    (dck * Vector512.Load(cPrev + k) * f * (one - f)).Store(da + h + k);
                    (dck * i * (one - g * g)).Store(da + 2 * h + k);
                    (dhk * t * o * (one - o)).Store(da + 3 * h + k);
                    (dck * f).Store(dc + k);
                    Vector512<float>.Zero.Store(dh + k);
                }
            }
            if (isa != GemmIsa.Scalar)
            {
                var one = Vector256<float>.One;
                for (; k + 8 <= h; k += 8)
                {
                    var i = Vector256.Load(a + k); var f = Vector256.Load(a + h + k);
                    var g = Vector256.Load(a + 2 * h + k); var o = Vector256.Load(a + 3 * h + k);
                    var t = Vector256.Load(tc + k);
                    var dhk = Vector256.Load(dh + k);
                    var dck = Vector256.Load(dc + k) + dhk * o * (one - t * t);
                    (dck * g * i * (one - i)).Store(da + k);
                    (dck * Vector256.Load(cPrev + k) * f * (one - f)).Store(da + h + k);
                    (dck * i * (one - g * g)).Store(da + 2 * h + k);
                    (dhk * t * o * (one - o)).Store(da + 3 * h + k);
                    (dck * f).Store(dc + k);
                    Vector256<float>.Zero.Store(dh + k);
                }
            }
            for (; k < h; k++)
            {
                float i = a[k], f = a[h + k], g = a[2 * h + k], o = a[3 * h + k], t = tc[k];
                float dhk = dh[k];
                float dck = dc[k] + dhk * o * (1 - t * t);
                da[k] = dck * g * i * (1 - i);
                da[h + k] = dck * cPrev[k] * f * (1 - f);
                da[2 * h + k] = dck * i * (1 - g * g);
                da[3 * h + k] = dhk * t * o * (1 - o);
                dc[k] = dck * f;
                dh[k] = 0;
            }
        }
    }
}
