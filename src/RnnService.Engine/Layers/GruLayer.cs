using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>
/// GRU layer (PyTorch nn.GRU, gate order r, z, n; the reset gate multiplies W_hn h + b_hn):
///   r = σ(W_ir x + b_ir + W_hr h + b_hr)
///   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
/// </summary>
public sealed class GruLayer(ParameterSet parameters, string prefix, int layerIndex, int inputSize, int hiddenSize, string suffix = "")
    : RecurrentLayer(parameters, prefix, layerIndex, inputSize, hiddenSize, gates: 3, suffix)
{
    public override bool HasCellState => false;
    protected override bool SeparateHiddenProjection => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override unsafe void ForwardCell(int step, int row, int u0, int count, GemmIsa isa)
    {
        int h = HiddenSize, bh = B * h, gh = 3 * h;
        fixed (float* xp = Xp)
        fixed (float* hpAll = Hp)
        fixed (float* bias = P.Value(BiasHh))
        fixed (float* hs = Hs)
        {
            float* a = xp + (nint)(StoredStep(step) * B + row) * gh + u0;      // x-part with b_ih; becomes r, z, n
            float* hp = hpAll + (nint)(StoredStep(step) * B + row) * gh + u0;  // W_hh h; its n third becomes W_hh h + b_hh
            float* bh0 = bias + u0;
            float* hPrev = hs + (nint)StateSlot(step) * bh + row * h + u0;
            float* hNew = hs + (nint)StateSlot(step + 1) * bh + row * h + u0;
            int k = 0;
            if (isa == GemmIsa.Vector512)
            {
                for (; k + 16 <= count; k += 16)
                {
                    var hr = Vector512.Load(hp + k) + Vector512.Load(bh0 + k);
                    var hz = Vector512.Load(hp + h + k) + Vector512.Load(bh0 + h + k);
                    var hn = Vector512.Load(hp + 2 * h + k) + Vector512.Load(bh0 + 2 * h + k);
                    hn.Store(hp + 2 * h + k);   // the backward reads only hn (the reset gate's input)
                    var r = FastActivations.Sigmoid(Vector512.Load(a + k) + hr);
                    var z = FastActivations.Sigmoid(Vector512.Load(a + h + k) + hz);
                    var n = FastActivations.Tanh(Vector512.FusedMultiplyAdd(r, hn, Vector512.Load(a + 2 * h + k)));
                    r.Store(a + k); z.Store(a + h + k); n.Store(a + 2 * h + k);
                    Vector512.FusedMultiplyAdd(z, Vector512.Load(hPrev + k) - n, n).Store(hNew + k);   // h = n + z ⊙ (h_prev − n)
                }
            }
            if (isa != GemmIsa.Scalar)
            {
                for (; k + 8 <= count; k += 8)
                {
                    var hr = Vector256.Load(hp + k) + Vector256.Load(bh0 + k);
                    var hz = Vector256.Load(hp + h + k) + Vector256.Load(bh0 + h + k);
                    var hn = Vector256.Load(hp + 2 * h + k) + Vector256.Load(bh0 + 2 * h + k);
                    hn.Store(hp + 2 * h + k);   // the backward reads only hn (the reset gate's input)
                    var r = FastActivations.Sigmoid(Vector256.Load(a + k) + hr);
                    var z = FastActivations.Sigmoid(Vector256.Load(a + h + k) + hz);
                    var n = FastActivations.Tanh(Vector256.FusedMultiplyAdd(r, hn, Vector256.Load(a + 2 * h + k)));
                    r.Store(a + k); z.Store(a + h + k); n.Store(a + 2 * h + k);
                    Vector256.FusedMultiplyAdd(z, Vector256.Load(hPrev + k) - n, n).Store(hNew + k);
                }
            }
            for (; k < count; k++)
            {
                float hr = hp[k] + bh0[k], hz = hp[h + k] + bh0[h + k], hn = hp[2 * h + k] + bh0[2 * h + k];
                hp[2 * h + k] = hn;
                float r = FastActivations.Sigmoid(a[k] + hr), z = FastActivations.Sigmoid(a[h + k] + hz);
                float n = FastActivations.Tanh(MathF.FusedMultiplyAdd(r, hn, a[2 * h + k]));
                a[k] = r; a[h + k] = z; a[2 * h + k] = n;
                hNew[k] = MathF.FusedMultiplyAdd(z, hPrev[k] - n, n);
            }
        }
    }

    // dn = dh ⊙ (1−z); dz = dh ⊙ (h_{t-1} − n); da_n = dn ⊙ (1−n²); da_r = da_n ⊙ hn ⊙ r(1−r)
    // input-side gradient [da_r, da_z, da_n]; hidden-side [da_r, da_z, da_n ⊙ r]; bypass dh ⊙ z.
    // 16, 8 or 1 lanes at a time as isa allows, the same operations in the same order (no fused multiply-add), so the
    // bits do not depend on isa.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe void BackwardCell(int step, int row, GemmIsa isa)
    {
        int h = HiddenSize, bh = B * h, gh = 3 * h;
        fixed (float* xp = Xp)
        fixed (float* hp = Hp)
        fixed (float* dxp = DXp)
        fixed (float* dhp = DHp)
        fixed (float* hs = Hs)
        fixed (float* dhs = Dh)
        {
            nint at = (nint)(step * B + row) * gh;
            float* a = xp + at;              // r, z, n at a, a + h, a + 2h
            float* hn = hp + at + 2 * h;
            float* dx = dxp + at;
            float* dhid = dhp + at;
            float* hPrev = hs + (nint)step * bh + row * h;
            float* dh = dhs + (nint)row * h;
            int k = 0;
            if (isa == GemmIsa.Vector512)
            {
                var one = Vector512<float>.One;
                for (; k + 16 <= h; k += 16)
                {
                    var r = Vector512.Load(a + k); var z = Vector512.Load(a + h + k); var n = Vector512.Load(a + 2 * h + k);
                    var dhk = Vector512.Load(dh + k);
                    var dan = dhk * (one - z) * (one - n * n);
                    var dar = dan * Vector512.Load(hn + k) * r * (one - r);
                    var daz = dhk * (Vector512.Load(hPrev + k) - n) * z * (one - z);
                    dar.Store(dx + k); daz.Store(dx + h + k); dan.Store(dx + 2 * h + k);
                    dar.Store(dhid + k); daz.Store(dhid + h + k); (dan * r).Store(dhid + 2 * h + k);
                    (dhk * z).Store(dh + k);
                }
            }
            if (isa != GemmIsa.Scalar)
            {
                var one = Vector256<float>.One;
                for (; k + 8 <= h; k += 8)
                {
                    var r = Vector256.Load(a + k); var z = Vector256.Load(a + h + k); var n = Vector256.Load(a + 2 * h + k);
                    var dhk = Vector256.Load(dh + k);
                    var dan = dhk * (one - z) * (one - n * n);
                    var dar = dan * Vector256.Load(hn + k) * r * (one - r);
                    var daz = dhk * (Vector256.Load(hPrev + k) - n) * z * (one - z);
                    dar.Store(dx + k); daz.Store(dx + h + k); dan.Store(dx + 2 * h + k);
                    dar.Store(dhid + k); daz.Store(dhid + h + k); (dan * r).Store(dhid + 2 * h + k);
                    (dhk * z).Store(dh + k);
                }
            }
            for (; k < h; k++)
            {
                float r = a[k], z = a[h + k], n = a[2 * h + k], dhk = dh[k];
                float dan = dhk * (1 - z) * (1 - n * n);
                float dar = dan * hn[k] * r * (1 - r);
                float daz = dhk * (hPrev[k] - n) * z * (1 - z);
                dx[k] = dar; dx[h + k] = daz; dx[2 * h + k] = dan;
                dhid[k] = dar; dhid[h + k] = daz; dhid[2 * h + k] = dan * r;
                dh[k] = dhk * z;
            }
        }
    }
}
