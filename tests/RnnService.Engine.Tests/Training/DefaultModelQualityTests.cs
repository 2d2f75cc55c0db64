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
    public void UsNamesDefaultsReachAValidationPerplexityOf7Point3()
    {
        var corpus = BuiltInDatasets.Load(BuiltInDatasets.UsNames);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, DataShape.Of(corpus));

        var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);

        // The model keeps the weights of its best validation epoch.
        double best = result.History.Min(m => m.Perplexity!.Value);
        output.WriteLine($"{result.History.Count} epochs, best perplexity {best:F3}, {result.History.Sum(m => m.Seconds):F1} s");
        // docs/quality.md: 7.14 (seed 42) with early stopping deciding the epochs; the issue asks for 7.3 at most.
        Assert.True(best <= 7.3, $"validation perplexity {best}");
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
        var (train, heldOut) = ((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ImdbSentences)).HeldOutFifth();
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(train));

        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, train);

        double accuracy = ((SentimentClassifier)result.Model).Accuracy(heldOut);
        output.WriteLine($"held-out accuracy {accuracy:F3} after {result.History.Count} epochs, {result.History.Sum(m => m.Seconds):F1} s");
        Assert.Equal(200, heldOut.Count);
        // docs/quality.md: the bag-of-words logistic regression reaches 0.755 on this fifth, the learned-embedding default 0.72
        // and this default 0.815 (the 0.80). Seeds move it by about 0.02, and so may another CPU's rounding, which
        // changes the training path: the bound is the baseline's, with a margin.
        Assert.True(accuracy >= 0.77, $"held-out accuracy {accuracy}");
    }

    [Fact]
    public void ClassifiersReadFrozenGloveVectorsAndPoolTheMaximumOverRealWordsAtOneLearningRateWithoutWeightDecay()
    {
        // Chosen by cross-validation and sweeps across datasets (docs/quality.md); the same rate and no decay at every
        // size, since AdamW's decay acts per step and an epoch of more texts has more steps.
        foreach (int sentences in new[] { 78, 800, 5_895, 50_000 })
        {
            var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(sentences, Continuous: false));
            Assert.Equal((Pooling.Max, 0f, 0.005f, false), (hp.Pooling, hp.WeightDecay, hp.LearningRate, hp.Bidirectional));
            Assert.Equal(("glove-6b-100d", 100), (hp.PretrainedEmbeddings, hp.EmbeddingSize));
        }
        var names = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(8000, Continuous: false));
        var page = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(866, Continuous: true));
        Assert.Equal((Pooling.Last, null, 0.005f, 0f), (names.Pooling, names.PretrainedEmbeddings, names.LearningRate, names.WeightDecay));
        Assert.Equal((0.005f, 0f), (page.LearningRate, page.WeightDecay));
        // The task's unfitted defaults (the engine's small examples) still learn their own embedding.
        Assert.Null(Hyperparameters.DefaultsFor(TaskKind.Sentiment).PretrainedEmbeddings);
    }

    [Fact]
    public void EpochsAimAtTheTargetStepsWithoutEarlyStoppingAndLeaveItThirtyEpochsOrTwelveThousandStepsWithIt()
    {
        var page = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(866, Continuous: true));
        var lines = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(8000, Continuous: false));
        var book = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(5_000_000, Continuous: true));
        var emails = Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(4716, Continuous: false));
        var toy = Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(78, Continuous: false));

        // 865 characters in one stream of 100-character windows, no validation: 9 steps an epoch, 67 epochs for 600 steps.
        Assert.Equal((1, 0f, 0, 67), (page.BatchSize, page.ValidationFraction, page.EarlyStoppingPatience, page.Epochs));
        // 7,200 training lines in batches of 64: 113 steps an epoch, 6 epochs for 600 steps, but early stopping decides within 30.
        Assert.Equal((64, 2, 30), (lines.BatchSize, lines.EarlyStoppingPatience, lines.Epochs));
        // 4.5 million characters in 64 streams: 704 steps an epoch; 18 epochs reach 12,000 steps.
        Assert.Equal(18, book.Epochs);
        // 4,245 training e-mails in batches of 8: 531 steps an epoch; 23 epochs reach 12,000 steps.
        Assert.Equal(23, emails.Epochs);
        // 70 sentences: 9 steps an epoch, and 600 steps are more than 30 epochs.
        Assert.Equal(67, toy.Epochs);
    }
}
