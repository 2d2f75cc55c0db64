using RnnService.Engine.Kernels;

namespace RnnService.Engine.Models;

/// <summary>
/// Bidirectional layers (PyTorch bidirectional=True with packed sequences): the backward direction is an ordinary
/// layer run over each sequence's real steps reversed (x'[t] = x[len − 1 − t]), its output reversed back, so its
/// final state is its state at the first token. y[t, b] = [forward y[t, b], backward y[t, b]]; the backward pass
/// reverses the gradients the same way and adds both directions' input gradients.
/// </summary>
public sealed partial class RecurrentNetwork
{
    private float[] _topFinal = [];
    private float[][]? _reversedInput, _forwardY, _reversedY, _dForward, _dReversed, _dxForward, _dxReversed;

    /// <summary>Layer l over input [T, B, width] into y [T, B, 2H]; final states into slots 2l and 2l + 1. tokens [B, T]: those
    /// input embeds (empty: input is another layer's output); only the forward direction reads their cached projections,
    /// as the backward one runs over the reversed input.</summary>
    private void ForwardBothDirections(int l, ReadOnlySpan<float> input, ReadOnlySpan<int> tokens, int width, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y,
        bool keepForBackward)
    {
        int t = _t, b = _b, h = HiddenSize, bh = b * h;
        AllocateDirectionBuffers();
        var lengths = _lengths.AsSpan(0, b);
        Ensure(ref _reversedInput![l], t * b * width);
        Ensure(ref _forwardY![l], t * bh);
        Ensure(ref _reversedY![l], t * bh);
        var reversedInput = _reversedInput[l].AsSpan(0, t * b * width);
        var forwardY = _forwardY[l].AsSpan(0, t * bh);
        var reversedY = _reversedY[l].AsSpan(0, t * bh);
        Reverse(input, reversedInput, width);
        for (int d = 0; d < 2; d++)
        {
            int slot = l * 2 + d;
            Layers[slot].Forward(d == 0 ? input : reversedInput, d == 0 ? tokens : default, t, b, lengths,
                h0.IsEmpty ? default : h0.Slice(slot * bh, bh),
                c0.IsEmpty || !HasCellState ? default : c0.Slice(slot * bh, bh),
                d == 0 ? forwardY : reversedY, _hT.AsSpan(slot * bh, bh), HasCellState ? _cT.AsSpan(slot * bh, bh) : default, keepForBackward);
        }
        // y[..., 0:H] = forward; y[..., H:2H] = the backward direction's output in forward time order.
        var backwardY = Scratch(t * bh);
        Reverse(reversedY, backwardY, h);
        for (int row = 0; row < t * b; row++)
        {
            forwardY.Slice(row * h, h).CopyTo(y.Slice(row * 2 * h, h));
            backwardY.Slice(row * h, h).CopyTo(y.Slice(row * 2 * h + h, h));
        }
    }

    private float[] _scratch = [];

    private Span<float> Scratch(int size)
    {
        Ensure(ref _scratch, size);
        return _scratch.AsSpan(0, size);
    }

    /// <summary>TopFinalHidden [B, 2H] = [h_n of the top forward direction, h_n of the top backward direction].</summary>
    private void GatherTopFinalHidden()
    {
        int b = _b, h = HiddenSize, bh = b * h, top = (LayerCount - 1) * 2;
        Ensure(ref _topFinal, b * 2 * h);
        for (int row = 0; row < b; row++)
        {
            _hT.AsSpan(top * bh + row * h, h).CopyTo(_topFinal.AsSpan(row * 2 * h, h));
            _hT.AsSpan((top + 1) * bh + row * h, h).CopyTo(_topFinal.AsSpan(row * 2 * h + h, h));
        }
    }

    /// <summary>Layer l backward: dy [T, B, 2H] (may be empty), dhT/dcT [L·2, B, H] (may be empty); writes dx [T, B, width] (empty: not needed).</summary>
    private void BackwardBothDirections(int l, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT, Span<float> dx, int width)
    {
        int t = _t, b = _b, h = HiddenSize, bh = b * h;
        Ensure(ref _dForward![l], t * bh);
        Ensure(ref _dReversed![l], t * bh);
        Ensure(ref _dxForward![l], t * b * width);
        Ensure(ref _dxReversed![l], t * b * width);
        Span<float> dForward = default, dReversed = default;
        if (!dy.IsEmpty)
        {
            dForward = _dForward[l].AsSpan(0, t * bh);
            dReversed = _dReversed[l].AsSpan(0, t * bh);
            var dBackward = Scratch(t * bh);
            for (int row = 0; row < t * b; row++)
            {
                dy.Slice(row * 2 * h, h).CopyTo(dForward.Slice(row * h, h));
                dy.Slice(row * 2 * h + h, h).CopyTo(dBackward.Slice(row * h, h));
            }
            Reverse(dBackward, dReversed, h);
        }
        var dxReversed = dx.IsEmpty ? default : _dxReversed[l].AsSpan(0, t * b * width);
        for (int d = 0; d < 2; d++)
        {
            int slot = l * 2 + d;
            Layers[slot].Backward(d == 0 ? dForward : dReversed, dhT.IsEmpty ? default : dhT.Slice(slot * bh, bh),
                dcT.IsEmpty || !HasCellState ? default : dcT.Slice(slot * bh, bh), d == 0 ? dx : dxReversed, default, default);
        }
        if (dx.IsEmpty) return;
        var dxBackward = _dxForward[l].AsSpan(0, t * b * width);
        Reverse(dxReversed, dxBackward, width);
        RowOps.Add(dx, dxBackward, dx);
    }

    /// <summary>dst[t, b] = src[len_b − 1 − t, b] for t &lt; len_b, zeros past it; src and dst [T, B, width].</summary>
    private void Reverse(ReadOnlySpan<float> src, Span<float> dst, int width)
    {
        int t = _t, b = _b;
        dst.Clear();
        for (int row = 0; row < b; row++)
        {
            int len = _lengths[row];
            for (int step = 0; step < len; step++)
                src.Slice(((len - 1 - step) * b + row) * width, width).CopyTo(dst.Slice((step * b + row) * width, width));
        }
    }

    private void AllocateDirectionBuffers()
    {
        if (_reversedInput != null) return;
        float[][] Make() => Enumerable.Range(0, LayerCount).Select(_ => Array.Empty<float>()).ToArray();
        (_reversedInput, _forwardY, _reversedY, _dForward, _dReversed, _dxForward, _dxReversed) = (Make(), Make(), Make(), Make(), Make(), Make(), Make());
    }
}
