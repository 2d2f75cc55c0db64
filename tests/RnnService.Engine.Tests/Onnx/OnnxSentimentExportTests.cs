using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Tests.Onnx;

public class OnnxSentimentExportTests
{
    private static readonly string[] Texts =
    [
        "the movie was very good and the acting was great",
        "awful plot",
        "not good",
        "the acting was bad and the plot was awful and not great",
        "great",
        "a film with zebras",   // unknown words map to <unk>
    ];

    public static TheoryData<Architecture, int> Architectures() => new()
    {
        { Architecture.Lstm, 1 }, { Architecture.Lstm, 2 },
        { Architecture.Gru, 1 }, { Architecture.Gru, 2 },
        { Architecture.Rnn, 1 }, { Architecture.Rnn, 2 },
        { Architecture.Lstm, 3 },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void OnnxRuntimeGivesTheEngineProbabilitiesForAPaddedBatchOfDifferentLengths(Architecture architecture, int layers)
    {
        var model = OnnxTestModels.Sentiment(architecture, layers);
        var expected = model.Classify(Texts).Select(c => c.Probability).ToArray();
        var (tokens, lengths, t) = Encode(model);

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var outputs = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]));

        var probability = outputs[OnnxNames.Probability];
        Assert.Equal([Texts.Length], probability.Shape);
        OnnxTestModels.AssertClose(expected, probability.Data);
        Assert.True(expected.Max() - expected.Min() > 0.05f, $"The random model should not give every text the same probability: {string.Join(", ", expected)}");
    }

    public static TheoryData<Architecture, int, Pooling> PooledArchitectures() => new()
    {
        { Architecture.Lstm, 1, Pooling.Max }, { Architecture.Lstm, 2, Pooling.Max }, { Architecture.Lstm, 1, Pooling.Mean },
        { Architecture.Lstm, 2, Pooling.Mean }, { Architecture.Gru, 1, Pooling.Max }, { Architecture.Gru, 2, Pooling.Mean },
        { Architecture.Rnn, 1, Pooling.Mean }, { Architecture.Rnn, 2, Pooling.Max },
    };

    [Theory]
    [MemberData(nameof(PooledArchitectures))]
    public void PooledClassifiersGiveTheEngineProbabilitiesForAPaddedBatchOfDifferentLengths(Architecture architecture, int layers, Pooling pooling)
    {
        var model = OnnxTestModels.Sentiment(architecture, layers, pooling: pooling);
        var expected = model.Classify(Texts).Select(c => c.Probability).ToArray();
        var (tokens, lengths, t) = Encode(model);

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var probability = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]))[OnnxNames.Probability];

        Assert.Equal([Texts.Length], probability.Shape);
        OnnxTestModels.AssertClose(expected, probability.Data);
        Assert.True(expected.Max() - expected.Min() > 0.05f, $"The random model should not give every text the same probability: {string.Join(", ", expected)}");
    }

    [Theory]
    [InlineData(Architecture.Lstm, Pooling.Last)]
    [InlineData(Architecture.Gru, Pooling.Last)]
    [InlineData(Architecture.Rnn, Pooling.Last)]
    [InlineData(Architecture.Lstm, Pooling.Max)]
    [InlineData(Architecture.Gru, Pooling.Mean)]
    public void LengthsChangeTheOnnxResultForPaddedSequences(Architecture architecture, Pooling pooling)
    {
        // If the exported graph ignored the lengths, a short text padded to the batch's length would read its state
        // after the padding (last) or pool over padded steps (mean, max); this shows the lengths input is what makes
        // the matches above.
        var model = OnnxTestModels.Sentiment(architecture, layers: 2, pooling: pooling);
        var (tokens, lengths, t) = Encode(model);
        var full = Enumerable.Repeat(t, Texts.Length).ToArray();

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var honoured = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]))[OnnxNames.Probability].Data;
        var ignored = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, full, [Texts.Length]))[OnnxNames.Probability].Data;

        int shortest = Array.IndexOf(lengths, lengths.Min());
        Assert.True(MathF.Abs(honoured[shortest] - ignored[shortest]) > 1e-3f,
            $"Padding after a {lengths[shortest]}-word text should change its probability when lengths are ignored ({honoured[shortest]} vs {ignored[shortest]}).");
        int longest = Array.IndexOf(lengths, t);
        Assert.Equal(honoured[longest], ignored[longest], 6);
    }

    /// <summary>Token ids batch-first, padded with 0 to the longest text, the way a client would encode them.</summary>
    private static (long[] Tokens, int[] Lengths, int T) Encode(SentimentClassifier model)
    {
        var tokenizer = new WordTokenizer(model.Config.Vocabulary);
        var encoded = Texts.Select(text => SentimentClassifier.EncodeForModel(tokenizer, text, model.Config.Hyperparameters.MaxSequenceLength, null)).ToArray();
        int t = encoded.Max(e => e.Length);
        var tokens = new long[Texts.Length * t];
        for (int i = 0; i < encoded.Length; i++)
            for (int j = 0; j < encoded[i].Length; j++) tokens[i * t + j] = encoded[i][j];
        return (tokens, encoded.Select(e => e.Length).ToArray(), t);
    }
}
