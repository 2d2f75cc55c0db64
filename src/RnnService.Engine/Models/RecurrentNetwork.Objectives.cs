using RnnService.Engine.Core;
using RnnService.Engine.Layers;

namespace RnnService.Engine.Models;

public sealed partial class RecurrentNetwork
{
    private float[] _logits = [], _dLogits = [], _dTop = [], _dStates = [];
    private int[] _targetsTm = [];

    /// <summary>
    /// Sentiment objective: logit_b = head(h_T of the top layer at sequence b's last real token);
    /// mean BCE-with-logits against labels [B]. Writes σ(logit) into probabilities [B] when given.
    /// backward: adds gradients into Parameters.Grads.
    /// </summary>
    public float ClassifierLoss(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> labels, bool backward, Span<float> probabilities, Rng? dropoutRng = null)
    {
        Forward(tokens, t, b, lengths, default, default, dropoutRng);
        var top = TopFinalHidden;
        Ensure(ref _logits, b * OutputSize);
        var logits = _logits.AsSpan(0, b);
        Head.Forward(top, b, logits);
        if (!probabilities.IsEmpty)
            for (int i = 0; i < b; i++) probabilities[i] = Losses.Sigmoid(logits[i]);
        if (labels.IsEmpty) return float.NaN;
        Ensure(ref _dLogits, b);
        var dLogits = backward ? _dLogits.AsSpan(0, b) : default;
        float loss = Losses.BinaryCrossEntropyWithLogits(logits, labels, dLogits);
        if (backward)
        {
            int bh = b * HiddenSize;
            Ensure(ref _dStates, LayerCount * bh);
            var dStates = _dStates.AsSpan(0, LayerCount * bh);
            dStates.Clear();
            Head.Backward(top, dLogits, b, dStates.Slice((LayerCount - 1) * bh, bh));
            Backward(default, dStates, default);
        }
        return loss;
    }

    /// <summary>The logits of the last <see cref="ClassifierLoss"/> call [B].</summary>
    public ReadOnlySpan<float> ClassifierLogits => _logits.AsSpan(0, _b);

    /// <summary>
    /// Language-model objective: logits[t, b] = head(y_top[t, b]); mean softmax cross-entropy over
    /// positions whose target (batch-first [B, T]) is not negative. h0/c0 carry state between windows
    /// ([L, B, H], empty = zeros); final states are in FinalHidden/FinalCell. Returns (mean loss, counted).
    /// </summary>
    public (float Loss, int Count) LanguageModelLoss(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int t, int b,
        ReadOnlySpan<int> lengths, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, bool backward, Rng? dropoutRng = null)
    {
        var top = Forward(tokens, t, b, lengths, h0, c0, dropoutRng);
        int rows = t * b, v = OutputSize;
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
        var top = Forward(tokens, t, b, default, h0, c0, dropoutRng: null);
        Ensure(ref _logits, b * OutputSize);
        var logits = _logits.AsSpan(0, b * OutputSize);
        Head.Forward(top.Slice((t - 1) * b * HiddenSize, b * HiddenSize), b, logits);
        return logits;
    }
}
