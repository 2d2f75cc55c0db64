using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class InferenceTests
{
    private static readonly Lazy<SentimentClassifier> Classifier = new(() => (SentimentClassifier)Trainer.Train(TaskKind.Sentiment,
        Architecture.Lstm, Hyperparameters.DefaultsFor(TaskKind.Sentiment), BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)).Model);

    [Fact]
    public void ClassifierReportsUnknownWordsAndProbabilities()
    {
        var results = Classifier.Value.Classify(["I am very happy", "this is not good at all, zorblax!", ""]);
        Assert.Equal(1, results[0].Label);
        Assert.True(results[0].Probability > 0.9f);
        Assert.Equal(0, results[1].Label);
        Assert.Equal(["zorblax"], results[1].UnknownWords.Where(w => w == "zorblax"));
        Assert.Empty(results[2].UnknownWords);
        Assert.InRange(results[2].Probability, 0f, 1f);
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
        Assert.True(next.Sum(n => n.Probability) <= 1.0001f);
        Assert.True(next.Zip(next.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
        Assert.True(model.Perplexity("ada") > 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(options with { Temperature = -1 }));
        Assert.Equal("Temperature", e.ParamName);
    }
}
