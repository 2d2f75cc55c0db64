using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>Losses that return the mean loss and write dL/dlogits in place of nothing else.</summary>
public static class Losses
{
    /// <summary>
    /// Binary cross-entropy with logits, mean over N (PyTorch BCEWithLogitsLoss):
    ///   ℓ = max(z, 0) − z·y + log(1 + e^{−|z|});   dℓ/dz = (σ(z) − y) / N
    /// </summary>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, Span<float> dLogits)
    {
        int n = logits.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float z = logits[i], y = labels[i];
            sum += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            if (!dLogits.IsEmpty) dLogits[i] = (Sigmoid(z) - y) / n;
        }
        return (float)(sum / n);
    }

    public static float Sigmoid(float z) => z >= 0 ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z) / (1f + MathF.Exp(z));

    /// <summary>
    /// Softmax cross-entropy over rows of logits [N, V] with integer targets; rows whose target is
    /// negative are padding and ignored. Mean over the counted rows (PyTorch CrossEntropyLoss, ignore_index):
    ///   ℓ_n = logsumexp(z_n) − z_n[y_n];   dℓ/dz_n = (softmax(z_n) − onehot(y_n)) / count
    /// Returns (mean loss, counted rows). dLogits may be empty (evaluation only).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Loss, int Count) SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int vocabulary,
        ReadOnlySpan<int> targets, Span<float> dLogits)
    {
        int n = targets.Length, count = 0;
        for (int i = 0; i < n; i++) if (targets[i] >= 0) count++;
        if (count == 0)
        {
            if (!dLogits.IsEmpty) dLogits[..(n * vocabulary)].Clear();
            return (0, 0);
        }
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            var z = logits.Slice(i * vocabulary, vocabulary);
            int y = targets[i];
            if (y < 0)
            {
                if (!dLogits.IsEmpty) dLogits.Slice(i * vocabulary, vocabulary).Clear();
                continue;
            }
            if (y >= vocabulary) throw new ArgumentOutOfRangeException(nameof(targets), $"Target {y} is outside the vocabulary of {vocabulary}.");
            float max = RowOps.Max(z);
            double se = 0;
            for (int k = 0; k < vocabulary; k++) se += Math.Exp(z[k] - max);
            double lse = max + Math.Log(se);
            sum += lse - z[y];
            if (!dLogits.IsEmpty)
            {
                var d = dLogits.Slice(i * vocabulary, vocabulary);
                float inv = 1f / count;
                for (int k = 0; k < vocabulary; k++) d[k] = (float)Math.Exp(z[k] - lse) * inv;
                d[y] -= inv;
            }
        }
        return ((float)(sum / count), count);
    }
}
