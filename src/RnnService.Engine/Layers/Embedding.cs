using System.Runtime.CompilerServices;
using RnnService.Engine.Core;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>
/// Embedding lookup (PyTorch nn.Embedding), weight [V, E]:
///   forward   out[t, b, :] = W[tokens[b, t], :]          (tokens batch-first [B, T], out time-major [T, B, E])
///   backward  dW[tokens[b, t], :] += dout[t, b, :]       for real positions t &lt; lengths[b]
/// With <see cref="Pretrained"/> vectors the layer is frozen (PyTorch nn.Embedding.from_pretrained, freeze=True):
/// W starts from the table's rows for the vocabulary's words (<see cref="CopyPretrainedRows"/>), ids V + r read the
/// table's row r for words outside the vocabulary, and backward adds nothing.
/// </summary>
public sealed class Embedding
{
    private readonly ParameterSet _p;
    public ParameterSlice Weight { get; }
    public int VocabularySize { get; }
    public int EmbeddingSize { get; }
    /// <summary>Shared, read-only pretrained vectors; set, the layer is frozen.</summary>
    public WordVectors? Pretrained { get; private set; }
    public bool Frozen => Pretrained != null;

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

    /// <summary>Freezes the layer over <paramref name="vectors"/> (of EmbeddingSize dimensions); weights are unchanged.</summary>
    public void FreezeOver(WordVectors vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Dimensions != EmbeddingSize)
            throw new ArgumentException($"The pretrained vectors have {vectors.Dimensions} dimensions; the embedding has {EmbeddingSize}.", nameof(vectors));
        Pretrained = vectors;
    }

    /// <summary>Overwrites the row of each vocabulary word the pretrained table has; the others keep their initialisation.</summary>
    public void CopyPretrainedRows(IReadOnlyList<string> vocabulary)
    {
        var table = Pretrained ?? throw new InvalidOperationException("No pretrained vectors are set.");
        if (vocabulary.Count != VocabularySize) throw new ArgumentException("The vocabulary does not match the embedding.", nameof(vocabulary));
        var w = _p.Value(Weight);
        for (int i = 0; i < vocabulary.Count; i++)
            if (table.RowOf(vocabulary[i]) is >= 0 and int row) table.CopyRow(row, w.Slice(i * EmbeddingSize, EmbeddingSize));
        _p.MarkChanged();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<int> tokens, int t, int b, Span<float> output)
    {
        int e = EmbeddingSize;
        var w = _p.Value(Weight);
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++)
            {
                int id = tokens[row * t + step];
                var destination = output.Slice((step * b + row) * e, e);
                if ((uint)id < (uint)VocabularySize) w.Slice(id * e, e).CopyTo(destination);
                else if (Pretrained != null && id >= VocabularySize && id - VocabularySize < Pretrained.Count) Pretrained.CopyRow(id - VocabularySize, destination);
                else throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {id} is outside the vocabulary of {VocabularySize}.");
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths, ReadOnlySpan<float> dOutput)
    {
        if (Frozen) return;
        int e = EmbeddingSize;
        var dw = _p.Grad(Weight);
        for (int row = 0; row < b; row++)
        {
            int len = lengths.IsEmpty ? t : lengths[row];
            for (int step = 0; step < len; step++)
            {
                var dst = dw.Slice(tokens[row * t + step] * e, e);
                RowOps.Add(dst, dOutput.Slice((step * b + row) * e, e), dst);
            }
        }
    }
}
