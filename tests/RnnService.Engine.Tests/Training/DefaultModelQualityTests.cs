using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

/// <summary>What a user who gives only the data gets from <see cref="Hyperparameters.DefaultsFor(TaskKind, DataShape)"/>.</summary>
public class DefaultModelQualityTests(ITestOutputHelper output)
{
    [Fact]
    public void HamletDefaultsReciteTheNextHundredCharactersGreedily()
    {
        var corpus = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, DataShape.Of(corpus));

        var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);

        var model = Assert.IsType<CharLanguageModel>(result.Model);
        var text = model.Generate(new GenerationOptions { Prompt = "To be, or not", Temperature = 0, MaxLength = 100 })[0];
        output.WriteLine($"{result.History.Count} epochs, {result.History.Sum(m => m.Seconds):F1} s: {text}");
        Assert.Equal(corpus.Text[..113], text);
    }

    [Fact]
    public void UsNamesDefaultsReachAValidationPerplexityOf7Point4()
    {
        var corpus = BuiltInDatasets.Load(BuiltInDatasets.UsNames);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, DataShape.Of(corpus));

        var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);

        // The model keeps the weights of its best validation epoch.
        double best = result.History.Min(m => m.Perplexity!.Value);
        output.WriteLine($"{result.History.Count} epochs, best perplexity {best:F3}, {result.History.Sum(m => m.Seconds):F1} s");
        Assert.True(best <= 7.4, $"validation perplexity {best}");
    }

    [Fact]
    public void ToySentimentDefaultsStillClassifyAllTwentyTestSentences()
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(data));

        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, data).Model;

        var predictions = model.Classify(data.Test!.Select(e => e.Text).ToList());
        Assert.Equal(20, predictions.Zip(data.Test!).Count(p => p.First.Label == p.Second.Label));
    }

    [Fact]
    public void ImdbSentencesDefaultsBeatTheBagOfWordsBaselineOnAFixedHeldOutFifth()
    {
        var (train, heldOut) = ((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ImdbSentences)).HoldOut(0.2f, seed: 2026);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(train));

        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, train);

        var predictions = ((SentimentClassifier)result.Model).Classify(heldOut.Select(e => e.Text).ToList());
        double accuracy = predictions.Zip(heldOut).Count(p => p.First.Label == p.Second.Label) / (double)heldOut.Count;
        output.WriteLine($"held-out accuracy {accuracy:F3} after {result.History.Count} epochs, {result.History.Sum(m => m.Seconds):F1} s");
        Assert.Equal(200, heldOut.Count);
        // docs/quality.md: the bag-of-words logistic regression reaches 0.755 on this fifth, the learned-embedding default 0.72
        // and this default 0.815 (the 0.80). Seeds move it by about 0.02, and so may another CPU's rounding, which
        // changes the training path: the bound is the baseline's, with a margin.
        Assert.True(accuracy >= 0.77, $"held-out accuracy {accuracy}");
    }

    [Fact]
    public void ClassifiersReadFrozenGloveVectorsAndPoolTheMaximumOverRealWordsWithDecoupledWeightDecay()
    {
        // Chosen by cross-validation on the imdb-sentences training part (docs/quality.md); a rule for every size.
        foreach (int sentences in new[] { 78, 800, 50_000 })
        {
            var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(sentences, Continuous: false));
            Assert.Equal((Pooling.Max, 1f, 0.005f, false), (hp.Pooling, hp.WeightDecay, hp.LearningRate, hp.Bidirectional));
            Assert.Equal(("glove-6b-100d", 100), (hp.PretrainedEmbeddings, hp.EmbeddingSize));
        }
        var names = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(8000, Continuous: false));
        Assert.Equal((Pooling.Last, null), (names.Pooling, names.PretrainedEmbeddings));
        // The task's unfitted defaults (the engine's small examples) still learn their own embedding.
        Assert.Null(Hyperparameters.DefaultsFor(TaskKind.Sentiment).PretrainedEmbeddings);
    }

    [Fact]
    public void EpochsAimAtTheTargetNumberOfOptimisationSteps()
    {
        var page = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(866, Continuous: true));
        var lines = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(8000, Continuous: false));
        var book = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(5_000_000, Continuous: true));

        // 865 characters in one stream of 100-character windows: 9 steps an epoch.
        Assert.Equal((1, 0f, 0, 67), (page.BatchSize, page.ValidationFraction, page.EarlyStoppingPatience, page.Epochs));
        // 7,200 training lines in batches of 64: 113 steps an epoch.
        Assert.Equal((64, 2, 6), (lines.BatchSize, lines.EarlyStoppingPatience, lines.Epochs));
        Assert.Equal(1, book.Epochs);
    }
}
