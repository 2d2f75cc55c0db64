using RnnService.Engine.Core;

namespace RnnService.Engine.Layers;

/// <summary>
/// Embedding lookup (PyTorch nn.Embedding), weight [V, E]:
///   forward   out[t, b, :] = W[tokens[b, t], :]          (tokens batch-first [B, T], out time-major [T, B, E])
///   backward  dW[tokens[b, t], :] += dout[t, b, :]       for real positions t &lt; lengths[b]
/// </summary>
public sealed class Embedding
{
    private readonly ParameterSet _p;
    public ParameterSlice Weight { get; }
    public int VocabularySize { get; }
    public int EmbeddingSize { get; }

    public Embedding(ParameterSet parameters, string name, int vocabularySize, int embeddingSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        _p = parameters;
        VocabularySize = vocabularySize;
        EmbeddingSize = embeddingSize;
        Weight = parameters.Add(name, vocabularySize, embeddingSize);
    }

    /// <summary>PyTorch's initialisation: N(0, 1).</summary>
    public void Initialize(Rng rng)
    {
        var w = _p.Value(Weight);
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextGaussian();
    }

    public void Forward(ReadOnlySpan<int> tokens, int t, int b, Span<float> output)
    {
        int e = EmbeddingSize;
        var w = _p.Value(Weight);
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++)
            {
                int id = tokens[row * t + step];
                if ((uint)id >= (uint)VocabularySize) throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {id} is outside the vocabulary of {VocabularySize}.");
                w.Slice(id * e, e).CopyTo(output.Slice((step * b + row) * e, e));
            }
    }

    public void Backward(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dOutput)
    {
        int e = EmbeddingSize;
        var dw = _p.Grad(Weight);
        for (int row = 0; row < b; row++)
        {
            int len = lengths.IsEmpty ? t : lengths[row];
            for (int step = 0; step < len; step++)
            {
                var dst = dw.Slice(tokens[row * t + step] * e, e);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, dOutput.Slice((step * b + row) * e, e), dst);
            }
        }
    }
}
