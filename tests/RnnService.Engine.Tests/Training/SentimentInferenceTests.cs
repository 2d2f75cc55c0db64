using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tests.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class InferenceTests
{
    private static readonly Lazy<SentimentClassifier> Classifier = new(() => (SentimentClassifier)Trainer.Train(TaskKind.Sentiment,
        Architecture.Lstm, Hyperparameters.DefaultsFor(TaskKind.Sentiment), BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)).Model);

    [Fact]
    public void ClassifierReportsExactlyTheUnknownWordsAndTreatsAnEmptyTextAsOneUnknownWord()
    {
        var results = Classifier.Value.Classify(["I am very happy", "this is not good at all, zorblax!", "", "qwerty", "zorblax good qwerty zorblax"]);
        Assert.Equal(1, results[0].Label);
        Assert.True(results[0].Probability > 0.9f);
        Assert.Empty(results[0].UnknownWords);
        Assert.Equal(0, results[1].Label);
        Assert.Equal(["zorblax"], results[1].UnknownWords);   // every other word is in the toy vocabulary
        Assert.Empty(results[2].UnknownWords);
        Assert.Equal(["qwerty"], results[3].UnknownWords);
        Assert.Equal(["zorblax", "qwerty", "zorblax"], results[4].UnknownWords);
        // A text without words is classified as a single <unk>: the same bits as one unknown word.
        Assert.Equal(results[3].Probability, results[2].Probability);
        Assert.Equal(results[3].Label, results[2].Label);
    }

    [Fact]
    public void ClassifierProbabilityIsTheSigmoidOfTheHeadOnTheFinalHiddenState()
    {
        // Recomputed outside the classifier: the network's last hidden state through the head's weights.
        var model = Classifier.Value;
        var network = model.Network.CloneForInference();
        int[] tokens = SentimentClassifier.EncodeForModel(new WordTokenizer(model.Config.Vocabulary), "i am good", 100, null);
        var probability = new float[1];
        network.ClassifierLoss(tokens, tokens.Length, 1, [tokens.Length], default, backward: false, probability);
        var p = network.Parameters;
        var w = p.Value(p["head.weight"]);
        float bias = p.Value(p["head.bias"])[0];
        var h = network.FinalHidden;
        double logit = bias;
        for (int i = 0; i < w.Length; i++) logit += (double)w[i] * h[h.Length - w.Length + i];
        double expected = 1 / (1 + Math.Exp(-logit));
        var result = model.Classify(["i am good"])[0];
        Assert.Equal(probability[0], result.Probability);
        Assert.True(Math.Abs(result.Probability - expected) <= 1e-6, $"{result.Probability} vs {expected}");
    }

    [Fact]
    public void ClassifyingInParallelGivesTheSameAnswers()
    {
        var texts = new[] { "good", "bad", "not happy", "very sad", "i am good" };
        var expected = Classifier.Value.Classify(texts).Select(r => r.Probability).ToArray();
        Parallel.For(0, 200, i =>
        {
            var r = Classifier.Value.Classify([texts[i % texts.Length]]);
            Assert.Equal(expected[i % texts.Length], r[0].Probability);
        });
    }

    [Fact]
    public void SameSeedGivesTheSameSamplesAndNextCharactersSumBelowOne()
    {
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru,
            Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 2, HiddenSize = 16 },
            new TextCorpus("ada\nalan\ngrace\nlinus\nbarbara\nedsger\n", LineMode: true)).Model;
        var options = new GenerationOptions { Prompt = "a", Count = 4, Seed = 11, TopK = 5, MaxLength = 12 };
        var first = model.Generate(options);
        Assert.Equal(first, model.Generate(options));
        Assert.All(first, s => Assert.StartsWith("a", s));
        Assert.All(first, s => Assert.InRange(s.Length, 1, 13));
        var next = model.NextCharacters("a", 10);
        Assert.Equal(10, next.Count);
        Assert.True(next.Zip(next.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
        var all = model.NextCharacters("a", model.Config.VocabularySize);
        Assert.Equal(next, all.Take(10));
        Assert.Equal(1.0, all.Sum(n => (double)n.Probability), 5);   // every generable character (pad, unk, bos excluded)
        Assert.Equal(CharReference.Perplexity(model, "ada"), model.Perplexity("ada"), 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(options with { Temperature = -1 }));
        Assert.Equal("Temperature", e.ParamName);
    }
}
