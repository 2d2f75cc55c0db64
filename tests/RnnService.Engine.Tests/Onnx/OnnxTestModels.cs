using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Onnx;

/// <summary>Small models with random weights, built in memory, and a closeness check that reports the worst difference.</summary>
internal static class OnnxTestModels
{
    public static readonly string[] Words =
        ["<pad>", "<unk>", "the", "movie", "was", "good", "bad", "great", "awful", "plot", "acting", "not", "very", "and"];

    // Line mode: <bos>/<eos> at 2 and 3, then characters in ordinal order.
    public static readonly string[] Characters =
        ["<pad>", "<unk>", "<bos>", "<eos>", " ", "a", "b", "c", "d", "e", "h", "l", "m", "n", "o", "t"];

    /// <summary>The same seed gives the same weights whatever the pooling (pooling adds no parameters).</summary>
    public static SentimentClassifier Sentiment(Architecture architecture, int layers, int seed = 7, Pooling pooling = Pooling.Last, bool bidirectional = false) =>
        (SentimentClassifier)Build(TaskKind.Sentiment, architecture, layers, Words, outputSize: 1, seed, pooling, bidirectional);

    public static CharLanguageModel Char(Architecture architecture, int layers, int seed = 11) =>
        (CharLanguageModel)Build(TaskKind.CharLm, architecture, layers, Characters, outputSize: Characters.Length, seed, Pooling.Last, bidirectional: false);

    private static RnnModel Build(TaskKind task, Architecture architecture, int layers, string[] vocabulary, int outputSize, int seed,
        Pooling pooling, bool bidirectional)
    {
        const int embedding = 6, hidden = 8;
        var config = new ModelConfig
        {
            Task = task, Architecture = architecture, VocabularySize = vocabulary.Length, EmbeddingSize = embedding,
            HiddenSize = hidden, Layers = layers, OutputSize = outputSize, Vocabulary = vocabulary,
            LineMode = task == TaskKind.CharLm,
            Hyperparameters = Hyperparameters.DefaultsFor(task) with
            {
                EmbeddingSize = embedding, HiddenSize = hidden, Layers = layers, Pooling = pooling, Bidirectional = bidirectional,
                // Inference ignores dropout, so the export must too: set, it shows the graph has none.
                Dropout = task == TaskKind.Sentiment ? 0.3f : 0, EmbeddingDropout = task == TaskKind.Sentiment ? 0.2f : 0,
            },
        };
        var network = config.CreateNetwork();
        network.Initialize(new Rng(seed));
        // PyTorch's ±1/√H initialisation keeps every gate near its linear range; doubling the weights
        // drives the nonlinearities harder, so a wrong gate order or bias split shows clearly.
        foreach (ref float v in network.Parameters.Values.AsSpan()) v *= 2;
        network.Parameters.MarkChanged();
        return RnnModel.Create(config, network);
    }

    /// <summary>Texts of different lengths (1 to 11 words) for a padded batch.</summary>
    public static readonly string[] Texts =
    [
        "the movie was very good and the acting was great",
        "awful plot",
        "not good",
        "the acting was bad and the plot was awful and not great",
        "great",
        "a film with zebras",   // unknown words map to <unk>
    ];

    /// <summary><see cref="Texts"/> as token ids batch-first, padded with 0 to the longest text, the way a client would encode them.</summary>
    public static (long[] Tokens, int[] Lengths, int T) EncodeTexts(SentimentClassifier model)
    {
        var tokenizer = new WordTokenizer(model.Config.Vocabulary, model.Network.Embedding.Pretrained);
        var encoded = Texts.Select(text => SentimentClassifier.EncodeForModel(tokenizer, text, model.Config.Hyperparameters.MaxSequenceLength, null)).ToArray();
        int t = encoded.Max(e => e.Length);
        var tokens = new long[Texts.Length * t];
        for (int i = 0; i < encoded.Length; i++)
            for (int j = 0; j < encoded[i].Length; j++) tokens[i * t + j] = encoded[i][j];
        return (tokens, encoded.Select(e => e.Length).ToArray(), t);
    }

    /// <summary>P(positive) for <see cref="Texts"/> from ONNX Runtime running the model's export.</summary>
    public static float[] OnnxProbabilities(SentimentClassifier model)
    {
        var (tokens, lengths, t) = EncodeTexts(model);
        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var probability = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]))[OnnxNames.Probability];
        Assert.Equal([Texts.Length], probability.Shape);
        return probability.Data;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]) / MathF.Max(1, MathF.Abs(expected[i]));
            if (!(diff <= worst)) { worst = diff; at = i; }
        }
        if (worst > tolerance)
            Assert.Fail($"Worst difference {worst:E2} at {at}: expected {expected[at]}, got {actual[at]} (tolerance {tolerance:E0}).");
    }
}
