using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

using static RnnService.Engine.Tests.Models.SmallModels;

namespace RnnService.Engine.Tests.Models;

/// <summary>What /predict and /explain read from a classifier: each text's probability from the network, its label as the
/// seed notebooks count it (positive when P ≥ 0.5), accuracy, and each word's occlusion influence.</summary>
public class SentimentClassifierTests
{
    private static readonly string[] Texts = ["a", "b c", "e e e d", "d a b", "c", "a a a a a b", "e d c b a", "b e", "d", "c c a"];

    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void EachTextsProbabilityIsTheNetworksOnThatTextAloneAndItsLabelIsPositiveFromOneHalf(Architecture architecture)
    {
        var classifier = WordClassifier(architecture, seed: 11);
        ScaleHead(classifier, 40);   // spreads the probabilities of an untrained head far to both sides of 0.5

        var results = classifier.Classify(Texts);

        var tokenizer = new WordTokenizer(Letters);
        for (int i = 0; i < Texts.Length; i++)
        {
            int[] tokens = SentimentClassifier.EncodeForModel(tokenizer, Texts[i], 100, null);
            var alone = new float[1];
            classifier.Network.CloneForInference().ClassifierLoss(tokens, tokens.Length, 1, [tokens.Length], default, backward: false, alone);
            Assert.True(Math.Abs(results[i].Probability - alone[0]) <= 1e-6, $"'{Texts[i]}': {results[i].Probability} in the batch, {alone[0]} alone");
            Assert.Equal(results[i].Probability >= 0.5f ? 1 : 0, results[i].Label);
        }
        Assert.Contains(results, r => r.Probability < 0.25f);
        Assert.Contains(results, r => r.Probability > 0.75f);
    }

    [Fact]
    public void AProbabilityOfExactlyOneHalfIsLabelledPositiveAsTheNotebooksCountIt()
    {
        var classifier = WordClassifier(Architecture.Lstm, seed: 11);
        ScaleHead(classifier, 0);   // logit 0 for every text: σ(0) = 0.5 exactly

        var results = classifier.Classify(["a b", "c"]);

        Assert.All(results, r => Assert.Equal((0.5f, 1), (r.Probability, r.Label)));
    }

    [Fact]
    public void AccuracyIsTheShareOfExamplesWhoseLabelClassifyGives()
    {
        var classifier = WordClassifier(Architecture.Gru, seed: 11);
        ScaleHead(classifier, 40);
        var labels = classifier.Classify(Texts).Select(r => r.Label).ToArray();
        // Seven examples labelled as the classifier labels them, three the other way.
        var examples = Texts.Select((t, i) => new SentimentExample(t, i < 7 ? labels[i] : 1 - labels[i])).ToList();

        Assert.Equal(0.7, classifier.Accuracy(examples), 12);
    }

    [Fact]
    public void EachWordsInfluenceIsTheTextsProbabilityLessItsProbabilityWithoutThatWord()
    {
        var classifier = WordClassifier(Architecture.Lstm, seed: 11);
        ScaleHead(classifier, 10);

        var explanation = classifier.Explain(["a b c d"])[0];

        string[] withoutEachWord = ["b c d", "a c d", "a b d", "a b c"];
        var full = classifier.Classify(["a b c d"])[0].Probability;
        var occluded = classifier.Classify(withoutEachWord);
        Assert.Equal(["a", "b", "c", "d"], explanation.Words.Select(w => w.Word));
        Assert.Equal([0, 1, 2, 3], explanation.Words.Select(w => w.Index));
        for (int w = 0; w < 4; w++)
            Assert.True(Math.Abs(explanation.Words[w].Influence - (full - occluded[w].Probability)) <= 1e-6,
                $"word {w}: {explanation.Words[w].Influence} against {full - occluded[w].Probability}");
        Assert.Contains(explanation.Words, w => Math.Abs(w.Influence) > 1e-3);   // the words do move this text
    }

    [Fact]
    public void TextsAllCancelledReadAsNullWithoutAnError()
    {
        var classifier = WordClassifier(Architecture.Lstm, seed: 3);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var classified = classifier.Classify([new BatchText("a b", cancel.Token), new BatchText("c", cancel.Token)]);
        var explained = classifier.Explain([new BatchText("a b", cancel.Token)]);

        Assert.Equal([null, null], classified);
        Assert.Equal([null], explained);
    }

    [Fact]
    public void ANullListIsRefusedNamingTexts()
    {
        var classifier = WordClassifier(Architecture.Lstm, seed: 3);

        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => classifier.Classify((IReadOnlyList<BatchText>)null!)).ParamName);
        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => classifier.Explain((IReadOnlyList<BatchText>)null!)).ParamName);
        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => classifier.Classify((IReadOnlyList<string>)null!)).ParamName);
    }

    [Fact]
    public void AClassifierRefusesALanguageModelsConfig()
    {
        var config = WordClassifierConfig(Architecture.Lstm) with { Task = TaskKind.CharLm };
        var net = new RecurrentNetwork(Architecture.Lstm, Letters.Length, embeddingSize: 8, hiddenSize: 16, layers: 1, outputSize: 1);

        Assert.Equal("config", Assert.Throws<ArgumentException>(() => new SentimentClassifier(config, net)).ParamName);
    }

    /// <summary>Multiplies the head's weights by <paramref name="factor"/> and zeroes its bias.</summary>
    private static void ScaleHead(SentimentClassifier classifier, float factor)
    {
        var p = classifier.Network.Parameters;
        foreach (ref float w in p.Value(p["head.weight"])) w *= factor;
        p.Value(p["head.bias"]).Clear();
        p.MarkChanged();
    }
}
