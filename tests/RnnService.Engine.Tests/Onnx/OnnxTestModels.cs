using RnnService.Engine.Core;
using RnnService.Engine.Models;
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

    public static SentimentClassifier Sentiment(Architecture architecture, int layers, int seed = 7, Pooling pooling = Pooling.Last) =>
        (SentimentClassifier)Build(TaskKind.Sentiment, architecture, layers, Words, outputSize: 1, seed, pooling);

    public static CharLanguageModel Char(Architecture architecture, int layers, int seed = 11) =>
        (CharLanguageModel)Build(TaskKind.CharLm, architecture, layers, Characters, outputSize: Characters.Length, seed, Pooling.Last);

    private static RnnModel Build(TaskKind task, Architecture architecture, int layers, string[] vocabulary, int outputSize, int seed, Pooling pooling)
    {
        const int embedding = 6, hidden = 8;
        var config = new ModelConfig
        {
            Task = task, Architecture = architecture, VocabularySize = vocabulary.Length, EmbeddingSize = embedding,
            HiddenSize = hidden, Layers = layers, OutputSize = outputSize, Vocabulary = vocabulary,
            LineMode = task == TaskKind.CharLm,
            Hyperparameters = Hyperparameters.DefaultsFor(task) with { EmbeddingSize = embedding, HiddenSize = hidden, Layers = layers, Pooling = pooling },
        };
        var network = config.CreateNetwork();
        network.Initialize(new Rng(seed));
        // PyTorch's ±1/√H initialisation keeps every gate near its linear range; doubling the weights
        // drives the nonlinearities harder, so a wrong gate order or bias split shows clearly.
        foreach (ref float v in network.Parameters.Values.AsSpan()) v *= 2;
        network.Parameters.MarkChanged();
        return RnnModel.Create(config, network);
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
