using RnnService.Engine.Training;

namespace RnnService.Engine.Models;

/// <summary>
/// Sizes of a network worked out from its shape alone, before anything is allocated: the exact
/// parameter count, and an estimate of the memory one training run holds at its peak.
/// </summary>
public static class ModelSize
{
    private const long FloatBytes = sizeof(float);

    /// <summary>Gates G of a recurrent layer: 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n), 1 for the tanh RNN.</summary>
    public static int GatesOf(Architecture architecture) => architecture switch
    {
        Architecture.Lstm => 4,
        Architecture.Gru => 3,
        Architecture.Rnn => 1,
        _ => throw new ArgumentException($"Unknown architecture {architecture}.", nameof(architecture)),
    };

    /// <summary>
    /// Exactly what <see cref="RecurrentNetwork"/> allocates: embedding V·E, per layer and direction G·H·(I + H) + 2·G·H
    /// (PyTorch's two bias vectors; I = E for the first layer, D·H above), head D·H·O + O (D = 2 when bidirectional).
    /// </summary>
    public static long Parameters(Architecture architecture, int vocabularySize, int embeddingSize, int hiddenSize, int layers, int outputSize,
        bool bidirectional = false)
    {
        long g = GatesOf(architecture), h = hiddenSize, d = bidirectional ? 2 : 1;
        long total = (long)vocabularySize * embeddingSize;
        for (int l = 0; l < layers; l++)
        {
            long input = l == 0 ? embeddingSize : d * h;
            total += d * (g * h * (input + h) + 2 * g * h);
        }
        return total + d * h * outputSize + outputSize;
    }

    /// <summary>
    /// Multiply-adds of one inference step (one token through the network), what an inference request's work budget
    /// counts: per layer and direction the gate projections G·H·(I + H), plus the head D·H·O. The embedding is a
    /// lookup and the element-wise gate maths is small beside the projections, so neither counts. A classifier runs
    /// its head once per text, not per step; counting it per step keeps the figure an upper bound.
    /// </summary>
    public static long MultiplyAddsPerStep(Architecture architecture, int embeddingSize, int hiddenSize, int layers, int outputSize,
        bool bidirectional = false)
    {
        long g = GatesOf(architecture), h = hiddenSize, d = bidirectional ? 2 : 1, total = 0;
        for (int l = 0; l < layers; l++)
        {
            long input = l == 0 ? embeddingSize : d * h;
            total += d * g * h * (input + h);
        }
        return total + d * h * outputSize;
    }

    /// <summary>
    /// Peak bytes of one training run whose largest batch is <paramref name="batch"/> sequences of
    /// <paramref name="steps"/> tokens: per layer the saved input, the gate pre-activations (their gradient replaces
    /// them), GRU's separate hidden projection and its gradient, hidden/cell states and caches, the packed
    /// weights and the transposed weight-gradient block; the embedding output and its gradient; each
    /// layer's output and its gradient; dropout masks; a char model's logits and their gradient
    /// [T·B, V]; and per parameter its value, gradient, optimizer state, the best weights kept for
    /// early stopping and a checkpoint copy of weights and optimizer state; the first layer's token projection cache
    /// (min(V, RecurrentNetwork.TokenProjectionCacheBytes / 4·G·H) rows of G·H). A frozen pretrained embedding is
    /// counted as if it were trained (an upper bound), and its shared table (about 11 MB per process) is not.
    /// </summary>
    public static long TrainingBytes(Architecture architecture, TaskKind task, int vocabularySize, int embeddingSize,
        int hiddenSize, int layers, int outputSize, int batch, int steps, OptimizerKind optimizer, bool bidirectional = false)
    {
        long g = GatesOf(architecture), h = hiddenSize, e = embeddingSize, rows = (long)batch * steps, d = bidirectional ? 2 : 1;
        long floats = 0;
        for (int l = 0; l < layers * d; l++)
        {
            // A backward direction also keeps a reversed copy of its input and output and their gradients (counted as X and output again).
            long input = l < d ? e : d * h;
            floats += rows * input;                                       // X
            floats += rows * g * h;                                       // Xp, then DXp in its place
            if (architecture == Architecture.Gru) floats += 2 * rows * g * h;    // Hp, DHp
            floats += (rows + batch) * h * (architecture == Architecture.Lstm ? 2 : 1);  // Hs (and Cs)
            floats += rows * h;                                           // Aux
            floats += 3 * (input + h) * g * h;                            // packed W_ihᵀ, W_hhᵀ, W_hh and dWᵀ
            floats += 2 * rows * h + rows * h;                            // output, its gradient, dropout mask
        }
        floats += 2 * rows * e;                                           // embedding output and gradient
        floats += Math.Min(vocabularySize, RecurrentNetwork.TokenProjectionCacheBytes / (FloatBytes * g * h)) * g * h;   // token projection cache
        if (task == TaskKind.CharLm) floats += 2 * rows * outputSize + rows * h;   // logits, dLogits, dTop
        long p = Parameters(architecture, vocabularySize, embeddingSize, hiddenSize, layers, outputSize, bidirectional);
        long optimizerState = optimizer == OptimizerKind.Adam ? 2 : 1;
        floats += p * (2 + optimizerState + 1 + 1 + optimizerState);      // values, grads, state, best, checkpoint
        return floats * FloatBytes;
    }
}
