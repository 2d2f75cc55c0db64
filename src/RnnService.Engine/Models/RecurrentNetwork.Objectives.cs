using System.Runtime.CompilerServices;
using RnnService.Engine.Core;
using RnnService.Engine.Layers;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Models;

public sealed partial class RecurrentNetwork
{
    private float[] _logits = [], _dLogits = [], _dTop = [], _dStates = [], _pooled = [], _dPooled = [];
    private int[] _targetsTm = [], _argMax = [];

    /// <summary>
    /// Sentiment objective: logit_b = head(dropout(pool(y_top) for sequence b)), pooled over its real steps as
    /// <see cref="Pooling"/> says (Last = h_T at its last real token); mean BCE-with-logits against labels [B].
    /// Writes σ(logit) into probabilities [B] when given. backward: adds gradients into Parameters.Grads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float ClassifierLoss(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> labels, bool backward, Span<float> probabilities, Rng? dropoutRng = null)
    {
        var top = Forward(tokens, t, b, lengths, default, default, dropoutRng, keepForBackward: backward);
        int h = HiddenSize, bh = b * h, bf = b * FeatureSize;
        Ensure(ref _pooled, bf);
        var pooled = _pooled.AsSpan(0, bf);
        Pool(top, pooled);
        bool headDropout = dropoutRng != null && DropoutProbability > 0;
        if (headDropout) _headDropout.Forward(pooled, dropoutRng!);
        Ensure(ref _logits, b * OutputSize);
        var logits = _logits.AsSpan(0, b);
        Head.Forward(pooled, b, logits);
        if (!probabilities.IsEmpty)
            for (int i = 0; i < b; i++) probabilities[i] = Losses.Sigmoid(logits[i]);
        if (labels.IsEmpty) return float.NaN;
        Ensure(ref _dLogits, b);
        var dLogits = backward ? _dLogits.AsSpan(0, b) : default;
        float loss = Losses.BinaryCrossEntropyWithLogits(logits, labels, dLogits);
        if (backward)
        {
            Ensure(ref _dPooled, bf);
            var dPooled = _dPooled.AsSpan(0, bf);
            Head.Backward(pooled, dLogits, b, dPooled);
            if (headDropout) _headDropout.Backward(dPooled);
            if (Pooling == Pooling.Last)
            {
                Ensure(ref _dStates, LayerCount * Directions * bh);
                var dStates = _dStates.AsSpan(0, LayerCount * Directions * bh);
                dStates.Clear();
                // dPooled [B, D·H] → the top layer's state slots, one per direction.
                int topSlot = (LayerCount - 1) * Directions;
                for (int row = 0; row < b; row++)
                    for (int d = 0; d < Directions; d++)
                        dPooled.Slice(row * FeatureSize + d * h, h).CopyTo(dStates.Slice((topSlot + d) * bh + row * h, h));
                Backward(default, dStates, default);
            }
            else
            {
                Ensure(ref _dTop, t * bf);
                var dTop = _dTop.AsSpan(0, t * bf);
                Unpool(dPooled, dTop);
                Backward(dTop, default, default);
            }
        }
        return loss;
    }

    /// <summary>pooled[b] from the top outputs y [T, B, D·H] over steps 0..len_b − 1 (past its length a sequence emits zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pool(ReadOnlySpan<float> y, Span<float> pooled)
    {
        int h = FeatureSize, b = _b;
        if (Pooling == Pooling.Last)
        {
            TopFinalHidden.CopyTo(pooled);
            return;
        }
        if (Pooling == Pooling.Max) Ensure(ref _argMax, b * h);
        for (int row = 0; row < b; row++)
        {
            int len = _lengths[row];
            var p = pooled.Slice(row * h, h);
            y.Slice(row * h, h).CopyTo(p);
            if (Pooling == Pooling.Mean)
            {
                for (int step = 1; step < len; step++) RowOps.Add(p, y.Slice((step * b + row) * h, h), p);
                RowOps.Multiply(p, 1f / len, p);
            }
            else
            {
                var arg = _argMax.AsSpan(row * h, h);
                arg.Clear();
                for (int step = 1; step < len; step++)
                {
                    var ys = y.Slice((step * b + row) * h, h);
                    for (int j = 0; j < h; j++)
                        if (ys[j] > p[j]) { p[j] = ys[j]; arg[j] = step; }   // strict: the first maximum wins, as torch.max
                }
            }
        }
    }

    /// <summary>dTop [T, B, D·H] from dPooled [B, D·H]: spread evenly over the real steps (mean) or to the arg max (max).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unpool(ReadOnlySpan<float> dPooled, Span<float> dTop)
    {
        int h = FeatureSize, b = _b;
        dTop.Clear();
        for (int row = 0; row < b; row++)
        {
            int len = _lengths[row];
            var d = dPooled.Slice(row * h, h);
            if (Pooling == Pooling.Mean)
                for (int step = 0; step < len; step++) RowOps.Multiply(d, 1f / len, dTop.Slice((step * b + row) * h, h));
            else
                for (int j = 0; j < h; j++) dTop[(_argMax[row * h + j] * b + row) * h + j] = d[j];
        }
    }

    /// <summary>The logits of the last <see cref="ClassifierLoss"/> call [B].</summary>
    public ReadOnlySpan<float> ClassifierLogits => _logits.AsSpan(0, _b);

    /// <summary>
    /// Language-model objective: logits[t, b] = head(dropout(y_top[t, b])); mean softmax cross-entropy over
    /// positions whose target (batch-first [B, T]) is not negative. h0/c0 carry state between windows
    /// ([L, B, H], empty = zeros); final states are in FinalHidden/FinalCell. Returns (mean loss, counted).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (float Loss, int Count) LanguageModelLoss(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int t, int b,
        ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, bool backward, Rng? dropoutRng = null)
    {
        RequireUnidirectional();
        Forward(tokens, t, b, lengths, h0, c0, dropoutRng, keepForBackward: backward);
        int rows = t * b, v = OutputSize;
        // The top output buffer is not read again by the layers' backward, so dropout may scale it in place.
        var top = _outputs[LayerCount - 1].AsSpan(0, rows * HiddenSize);
        bool headDropout = dropoutRng != null && DropoutProbability > 0;
        if (headDropout) _headDropout.Forward(top, dropoutRng!);
        Ensure(ref _logits, rows * v);
        Ensure(ref _targetsTm, rows);
        var logits = _logits.AsSpan(0, rows * v);
        Head.Forward(top, rows, logits);
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++)
                _targetsTm[step * b + row] = targets[row * t + step];
        Ensure(ref _dLogits, rows * v);
        var dLogits = backward ? _dLogits.AsSpan(0, rows * v) : default;
        var (loss, count) = Losses.SoftmaxCrossEntropy(logits, v, _targetsTm.AsSpan(0, rows), dLogits);
        if (backward && count > 0)
        {
            Ensure(ref _dTop, rows * HiddenSize);
            var dTop = _dTop.AsSpan(0, rows * HiddenSize);
            Head.Backward(top, dLogits, rows, dTop);
            if (headDropout) _headDropout.Backward(dTop);
            Backward(dTop, default, default);
        }
        return (loss, count);
    }

    /// <summary>The logits of the last <see cref="LanguageModelLoss"/> call, time-major [T, B, V].</summary>
    public ReadOnlySpan<float> LanguageModelLogits => _logits.AsSpan(0, _t * _b * OutputSize);

    /// <summary>
    /// Inference step for generation: runs tokens [B, T] (all of length T) from states h0/c0 and returns
    /// the head's logits at the last step [B, V]; the new states are in FinalHidden/FinalCell.
    /// </summary>
    public ReadOnlySpan<float> NextTokenLogits(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0)
    {
        RequireUnidirectional();
        var top = Forward(tokens, t, b, default, h0, c0, dropoutRng: null, keepForBackward: false);
        Ensure(ref _logits, b * OutputSize);
        var logits = _logits.AsSpan(0, b * OutputSize);
        Head.Forward(top.Slice((t - 1) * b * HiddenSize, b * HiddenSize), b, logits);
        return logits;
    }

    /// <summary>A language model predicts the next character from the past only; a backward direction would see it.</summary>
    private void RequireUnidirectional()
    {
        if (Bidirectional) throw new InvalidOperationException("A bidirectional network cannot be a language model.");
    }
}
