using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;

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
    protected override void ForwardCell(int step, int row)
    {
        int h = HiddenSize, bh = B * h, gh = 3 * h;
        var a = Xp.AsSpan((step * B + row) * gh, gh);    // x-part with b_ih; becomes r, z, n
        var hp = Hp.AsSpan((step * B + row) * gh, gh);   // W_hh h; becomes W_hh h + b_hh
        TensorPrimitives.Add(hp, P.Value(BiasHh), hp);
        var rz = a[..(2 * h)];
        TensorPrimitives.Add(rz, hp[..(2 * h)], rz);
        TensorPrimitives.Sigmoid(rz, rz);
        var r = a[..h]; var z = a.Slice(h, h); var n = a.Slice(2 * h, h);
        TensorPrimitives.FusedMultiplyAdd(r, hp.Slice(2 * h, h), n, n);
        TensorPrimitives.Tanh(n, n);
        var hPrev = Hs.AsSpan(step * bh + row * h, h);
        var hNew = Hs.AsSpan((step + 1) * bh + row * h, h);
        // h = n + z ⊙ (h_prev − n)
        TensorPrimitives.Subtract(hPrev, n, hNew);
        TensorPrimitives.FusedMultiplyAdd(z, hNew, n, hNew);
    }

    // dn = dh ⊙ (1−z); dz = dh ⊙ (h_{t-1} − n); da_n = dn ⊙ (1−n²); da_r = da_n ⊙ hn ⊙ r(1−r)
    // input-side gradient [da_r, da_z, da_n]; hidden-side [da_r, da_z, da_n ⊙ r]; bypass dh ⊙ z.
    // 8 lanes at a time, then a scalar tail with the same operations in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void BackwardCell(int step, int row)
    {
        int h = HiddenSize, bh = B * h, gh = 3 * h;
        var a = Xp.AsSpan((step * B + row) * gh, gh);
        var hn = Hp.AsSpan((step * B + row) * gh + 2 * h, h);
        var dxp = DXp.AsSpan((step * B + row) * gh, gh);
        var dhp = DHp.AsSpan((step * B + row) * gh, gh);
        var ar = a[..h]; var az = a.Slice(h, h); var an = a.Slice(2 * h, h);
        var dxr = dxp[..h]; var dxz = dxp.Slice(h, h); var dxn = dxp.Slice(2 * h, h);
        var dhr = dhp[..h]; var dhz = dhp.Slice(h, h); var dhn = dhp.Slice(2 * h, h);
        var hPrev = Hs.AsSpan(step * bh + row * h, h);
        var dh = Dh.AsSpan(row * h, h);
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; k + 8 <= h; k += 8)
            {
                var r = Vector256.Create(ar[k..]); var z = Vector256.Create(az[k..]); var n = Vector256.Create(an[k..]);
                var dhk = Vector256.Create(dh[k..]);
                var dan = dhk * (one - z) * (one - n * n);
                var dar = dan * Vector256.Create(hn[k..]) * r * (one - r);
                var daz = dhk * (Vector256.Create(hPrev[k..]) - n) * z * (one - z);
                dar.CopyTo(dxr[k..]); daz.CopyTo(dxz[k..]); dan.CopyTo(dxn[k..]);
                dar.CopyTo(dhr[k..]); daz.CopyTo(dhz[k..]); (dan * r).CopyTo(dhn[k..]);
                (dhk * z).CopyTo(dh[k..]);
            }
        }
        for (; k < h; k++)
        {
            float r = ar[k], z = az[k], n = an[k], dhk = dh[k];
            float dan = dhk * (1 - z) * (1 - n * n);
            float dar = dan * hn[k] * r * (1 - r);
            float daz = dhk * (hPrev[k] - n) * z * (1 - z);
            dxr[k] = dar; dxz[k] = daz; dxn[k] = dan;
            dhr[k] = dar; dhz[k] = daz; dhn[k] = dan * r;
            dh[k] = dhk * z;
        }
    }
}
