using RnnService.Engine.Models;
using RnnService.Engine.Onnx;

namespace RnnService.Engine.Tests.Onnx;

/// <summary>Classifiers that pool mean or max over the real steps, and bidirectional ones, against the engine in ONNX Runtime.</summary>
public class OnnxPoolingAndBidirectionalExportTests
{
    private static readonly string[] Texts = OnnxTestModels.Texts;

    public static TheoryData<Architecture, int, Pooling, bool> Cases()
    {
        var cases = new TheoryData<Architecture, int, Pooling, bool>();
        foreach (var architecture in new[] { Architecture.Lstm, Architecture.Gru, Architecture.Rnn })
            foreach (int layers in new[] { 1, 2 })
                foreach (var pooling in new[] { Pooling.Last, Pooling.Mean, Pooling.Max })
                    foreach (bool bidirectional in new[] { false, true })
                        if (pooling != Pooling.Last || bidirectional) cases.Add(architecture, layers, pooling, bidirectional);
        cases.Add(Architecture.Gru, 3, Pooling.Max, true);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeGivesTheEngineProbabilitiesForAPaddedBatch(Architecture architecture, int layers, Pooling pooling, bool bidirectional)
    {
        var model = OnnxTestModels.Sentiment(architecture, layers, pooling: pooling, bidirectional: bidirectional);
        var expected = model.Classify(Texts).Select(c => c.Probability).ToArray();

        var actual = OnnxTestModels.OnnxProbabilities(model);

        OnnxTestModels.AssertClose(expected, actual);
        Assert.True(expected.Max() - expected.Min() > 0.02f, $"The random model should not give every text the same probability: {string.Join(", ", expected)}");
    }

    [Theory]
    [InlineData(Architecture.Lstm, false)]
    [InlineData(Architecture.Gru, true)]
    [InlineData(Architecture.Rnn, true)]
    public void EachPoolingGivesItsOwnProbabilitiesFromTheSameWeights(Architecture architecture, bool bidirectional)
    {
        // The same seed gives the same weights, so only the pooling differs: a graph that pooled the wrong way
        // (or the same way for all three) would match at most one of the engine's answers.
        var byPooling = new[] { Pooling.Last, Pooling.Mean, Pooling.Max }
            .Select(p => OnnxTestModels.OnnxProbabilities(OnnxTestModels.Sentiment(architecture, 2, pooling: p, bidirectional: bidirectional)))
            .ToArray();

        for (int a = 0; a < byPooling.Length; a++)
            for (int b = a + 1; b < byPooling.Length; b++)
                Assert.True(byPooling[a].Zip(byPooling[b]).Max(p => MathF.Abs(p.First - p.Second)) > 1e-3f, $"Poolings {a} and {b} gave the same probabilities.");
    }

    [Theory]
    [InlineData(Architecture.Lstm, Pooling.Last)]
    [InlineData(Architecture.Gru, Pooling.Mean)]
    [InlineData(Architecture.Rnn, Pooling.Max)]
    public void WhatLiesPastASequencesLengthDoesNotChangeItsProbability(Architecture architecture, Pooling pooling)
    {
        // Padding with real word ids instead of 0: neither the backward direction nor the pooling may read it.
        var model = OnnxTestModels.Sentiment(architecture, layers: 2, pooling: pooling, bidirectional: true);
        var (tokens, lengths, t) = OnnxTestModels.EncodeTexts(model);
        var noisy = (long[])tokens.Clone();
        for (int row = 0; row < Texts.Length; row++)
            for (int step = lengths[row]; step < t; step++) noisy[row * t + step] = 2 + (row + step) % (OnnxTestModels.Words.Length - 2);

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var clean = onnx.Run((OnnxNames.Tokens, tokens, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]))[OnnxNames.Probability].Data;
        var padded = onnx.Run((OnnxNames.Tokens, noisy, [Texts.Length, t]), (OnnxNames.Lengths, lengths, [Texts.Length]))[OnnxNames.Probability].Data;

        OnnxTestModels.AssertClose(clean, padded, tolerance: 1e-6f);
    }

    [Fact]
    public void TheExportReadsTheBackwardDirectionFromItsReverseWeights()
    {
        // Each direction's weights come from its own state_dict tensors (..._l0 and ..._l0_reverse): zeroing the
        // backward ones changes the engine's answer, and the export follows.
        var model = OnnxTestModels.Sentiment(Architecture.Lstm, layers: 1, bidirectional: true);
        var before = OnnxTestModels.OnnxProbabilities(model);
        var p = model.Network.Parameters;
        p.Value(p["rnn.weight_hh_l0_reverse"]).Clear();
        p.MarkChanged();
        var expected = model.Classify(Texts).Select(c => c.Probability).ToArray();

        var after = OnnxTestModels.OnnxProbabilities(model);

        OnnxTestModels.AssertClose(expected, after);
        Assert.True(before.Zip(after).Max(x => MathF.Abs(x.First - x.Second)) > 1e-3f, "The backward direction's weights should matter.");
    }
}
