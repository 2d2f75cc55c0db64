using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Models;

/// <summary>A classified text: Label 1 = positive; Probability is P(positive); UnknownWords mapped to &lt;unk&gt;.</summary>
public sealed record Classification(string Text, int Label, float Probability, IReadOnlyList<string> UnknownWords);

/// <summary>How much one word moved a prediction: Influence = P(positive | text) − P(positive | text without the
/// word at Index), so a positive influence pushed the text towards positive.</summary>
public sealed record WordInfluence(int Index, string Word, float Influence);

/// <summary>A classification with every word's occlusion influence, in word order.</summary>
public sealed record Explanation(Classification Classification, IReadOnlyList<WordInfluence> Words);

/// <summary>words → embedding → RNN → last real token's hidden state → linear → sigmoid.</summary>
public sealed class SentimentClassifier : RnnModel
{
    private const int MaxBatch = 64;
    private readonly WordTokenizer _tokenizer;

    internal SentimentClassifier(ModelConfig config, RecurrentNetwork network) : base(config, network)
    {
        if (config.Task != TaskKind.Sentiment) throw new ArgumentException("Not a sentiment config.", nameof(config));
        _tokenizer = new WordTokenizer(config.Vocabulary, network.Embedding.Pretrained);
    }

    /// <summary>Classifies in batches of up to 64 texts; the token is checked before each batch.</summary>
    public IReadOnlyList<Classification> Classify(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        BatchText.ReadAlone(texts, cancellationToken, Classify);

    /// <summary>Classifies texts of several requests together, in batches of up to 64 of those whose token is not cancelled
    /// (checked before each batch); null for a text whose token was cancelled.</summary>
    public IReadOnlyList<Classification?> Classify(IReadOnlyList<BatchText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new Classification?[texts.Count];
        var network = Rent();
        try
        {
            for (int next = 0; next < texts.Count;)
            {
                var batch = new List<int>(MaxBatch);
                for (; next < texts.Count && batch.Count < MaxBatch; next++)
                    if (!texts[next].Cancellation.IsCancellationRequested) batch.Add(next);
                if (batch.Count > 0) ClassifyBatch(network, texts, batch, results);
            }
        }
        finally { Return(network); }
        for (int i = 0; i < texts.Count; i++) if (texts[i].Cancellation.IsCancellationRequested) results[i] = null;
        return results;
    }

    /// <summary>The share of <paramref name="examples"/> whose label <see cref="Classify"/> gives.</summary>
    public double Accuracy(IReadOnlyList<SentimentExample> examples) =>
        Classify(examples.Select(e => e.Text).ToList()).Zip(examples).Count(p => p.First.Label == p.Second.Label) / (double)examples.Count;

    /// <summary>
    /// Classifies each text and measures each word's influence by occlusion: the text's words (as the tokenizer
    /// splits them) are rejoined without that word and classified again. All variants of all texts are classified
    /// together, so a text of n words costs one batched pass of n + 1 sequences.
    /// </summary>
    public IReadOnlyList<Explanation> Explain(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        BatchText.ReadAlone(texts, cancellationToken, Explain);

    /// <summary><see cref="Explain(IReadOnlyList{string}, CancellationToken)"/> of texts of several requests together; null for a
    /// text whose token was cancelled.</summary>
    public IReadOnlyList<Explanation?> Explain(IReadOnlyList<BatchText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var words = new IReadOnlyList<string>[texts.Count];
        var variants = new List<BatchText>();
        for (int i = 0; i < texts.Count; i++)
        {
            words[i] = WordTokenizer.SplitWords(texts[i].Text ?? throw new ArgumentNullException(nameof(texts)));
            variants.Add(texts[i]);
            for (int w = 0; w < words[i].Count; w++)
                variants.Add(texts[i] with { Text = string.Join(' ', words[i].Where((_, k) => k != w)) });
        }
        var classified = Classify(variants);
        var explanations = new Explanation?[texts.Count];
        int next = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var full = classified[next++];
            var influences = new WordInfluence[words[i].Count];
            for (int w = 0; w < influences.Length; w++)
                influences[w] = new WordInfluence(w, words[i][w], (full?.Probability - classified[next++]?.Probability) ?? float.NaN);
            explanations[i] = full is null || texts[i].Cancellation.IsCancellationRequested ? null : new Explanation(full, influences);
        }
        return explanations;
    }

    private void ClassifyBatch(RecurrentNetwork network, IReadOnlyList<BatchText> texts, List<int> batch, Classification?[] results)
    {
        int count = batch.Count;
        var encoded = new int[count][];
        var unknown = new List<string>[count];
        int t = 1;
        for (int i = 0; i < count; i++)
        {
            unknown[i] = [];
            encoded[i] = EncodeForModel(_tokenizer, texts[batch[i]].Text ?? throw new ArgumentNullException(nameof(texts)),
                Config.Hyperparameters.MaxSequenceLength, unknown[i]);
            t = Math.Max(t, encoded[i].Length);
        }
        var tokens = new int[count * t];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            encoded[i].CopyTo(tokens, i * t);
            lengths[i] = encoded[i].Length;
        }
        var probabilities = new float[count];
        network.ClassifierLoss(tokens, t, count, lengths, default, backward: false, probabilities);
        for (int i = 0; i < count; i++)
            results[batch[i]] = new Classification(texts[batch[i]].Text, probabilities[i] >= 0.5f ? 1 : 0, probabilities[i], unknown[i]);
    }

    /// <summary>Word ids of a text; a text without words becomes one &lt;unk&gt; so every sequence has a state.</summary>
    internal static int[] EncodeForModel(WordTokenizer tokenizer, string text, int maxLength, List<string>? unknownWords)
    {
        var ids = unknownWords is null ? tokenizer.Encode(text, maxLength) : tokenizer.Encode(text, maxLength, unknownWords);
        return ids.Length > 0 ? ids : [tokenizer.UnknownId];
    }
}
