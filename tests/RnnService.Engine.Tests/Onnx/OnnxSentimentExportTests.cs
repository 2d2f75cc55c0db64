using RnnService.Engine.Models;
using RnnService.Engine.Onnx;

namespace RnnService.Engine.Tests.Onnx;

public class OnnxSentimentExportTests
{
    private static readonly string[] Texts = OnnxTestModels.Texts;

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

        var actual = OnnxTestModels.OnnxProbabilities(model);

        OnnxTestModels.AssertClose(expected, actual);
        Assert.True(expected.Max() - expected.Min() > 0.05f, $"The random model should not give every text the same probability: {string.Join(", ", expected)}");
    }

    public static TheoryData<Architecture, Pooling, bool> LengthCases()
    {
        var cases = new TheoryData<Architecture, Pooling, bool>();
        foreach (var architecture in new[] { Architecture.Lstm, Architecture.Gru, Architecture.Rnn })
        {
            cases.Add(architecture, Pooling.Last, false);
            cases.Add(architecture, Pooling.Last, true);
        }
        cases.Add(Architecture.Gru, Pooling.Mean, false);
        cases.Add(Architecture.Lstm, Pooling.Max, true);
        return cases;
    }

    [Theory]
    [MemberData(nameof(LengthCases))]
    public void LengthsChangeTheOnnxResultForPaddedSequences(Architecture architecture, Pooling pooling, bool bidirectional)
    {
        // If the exported graph ignored the lengths, a short text padded to the batch's length would read its state
        // after the padding (or a backward direction would start in it, or pooling would count it); this shows the
        // lengths input is what makes the matches with the engine.
        var model = OnnxTestModels.Sentiment(architecture, layers: 2, pooling: pooling, bidirectional: bidirectional);
        var (tokens, lengths, t) = OnnxTestModels.EncodeTexts(model);
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
}
