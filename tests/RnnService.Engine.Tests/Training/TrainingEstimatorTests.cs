using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class TrainingEstimatorTests
{
    [Fact]
    public void TheEstimateCountsTheParametersTheTrainedModelHas()
    {
        var names = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.UsNames);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 24, EmbeddingSize = 8 };

        var estimate = TrainingEstimator.Estimate(TaskKind.CharLm, Architecture.Gru, hp, names);
        var trained = Trainer.Train(TaskKind.CharLm, Architecture.Gru, hp, names);

        Assert.Equal(trained.Model.ParameterCount, estimate.ParameterCount);
        Assert.True(double.IsFinite(estimate.SecondsPerEpoch) && estimate.SecondsPerEpoch > 0, estimate.ToString());
        Assert.InRange(estimate.TimedExamples, 10 * hp.BatchSize, 20 * hp.BatchSize); // ten batches after the validation split
        // At least weights, gradients and Adam's two buffers.
        Assert.True(estimate.MemoryBytes >= 4L * 4 * estimate.ParameterCount, estimate.ToString());
    }

    [Fact]
    public void ABiggerModelIsEstimatedBiggerAndASmallDatasetIsTimedWhole()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment);
        var small = TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Lstm, hp, toy, timedBatches: 100);
        var big = TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Lstm, hp with { HiddenSize = hp.HiddenSize * 2, Layers = 2 }, toy, timedBatches: 100);

        Assert.Equal(toy.Train.Count, small.TimedExamples);
        Assert.True(big.ParameterCount > small.ParameterCount);
        Assert.True(big.MemoryBytes > small.MemoryBytes);
        Assert.Equal(Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { Epochs = 1 }, toy).Model.ParameterCount, small.ParameterCount);
    }

    [Fact]
    public void BadHyperparametersAreRefusedLikeTrainingRefusesThem()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Lstm, Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Dropout = 1.5f }, toy));
        Assert.Equal("Dropout", error.ParamName);
    }

    [Fact]
    public void TheMemoryEstimateIsWeightsGradientsAndOptimizerStatePlusOneBatchsActivations()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var gru = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
        {
            EmbeddingSize = 8, HiddenSize = 16, Layers = 2, BatchSize = 4, MaxSequenceLength = 10, Optimizer = OptimizerKind.Sgd, Momentum = 0.9f,
        };
        var abc = new TextCorpus(string.Concat(Enumerable.Repeat("abc", 200)), LineMode: false);
        var rnn = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { EmbeddingSize = 8, HiddenSize = 16, Layers = 1, BatchSize = 2, SequenceLength = 20 };

        var classifier = TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Gru, gru, toy, timedBatches: 1);
        var plainSgd = TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Gru, gru with { Momentum = 0 }, toy, timedBatches: 1);
        var charModel = TrainingEstimator.Estimate(TaskKind.CharLm, Architecture.Rnn, rnn, abc, timedBatches: 1);

        // Per step: the embedding, and per layer 3 gates + 3 states (GRU) of 16; twice (values and gradients) for 4 texts of 10 words.
        long classifierActivations = 2 * 4 * 10 * (8 + 2 * (3 + 3) * 16);
        Assert.Equal(4 * (3 * classifier.ParameterCount + classifierActivations), classifier.MemoryBytes);   // SGD momentum: 1 buffer
        Assert.Equal(4 * (2 * plainSgd.ParameterCount + classifierActivations), plainSgd.MemoryBytes);       // plain SGD: none
        // A char model also keeps logits and their gradients over its 5 tokens (pad, unknown, a, b, c) at each of 20 steps.
        long charActivations = 2 * 2 * 20 * (8 + (1 + 3) * 16 + 2 * 5);
        Assert.Equal(4 * (4 * charModel.ParameterCount + charActivations), charModel.MemoryBytes);          // Adam: 2 buffers
    }

    [Fact]
    public void TheTimedSliceHoldsTheRequestedBatchesAfterTheValidationShareOfEachKindOfData()
    {
        var sentences = Enumerable.Range(0, 50).Select(i => new SentimentExample($"word{i % 7} other{i % 3}", i % 2)).ToList();
        var lines = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"line {i % 10}"));
        var text = string.Concat(Enumerable.Repeat("abcd ", 200));
        var sentiment = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { BatchSize = 4, EmbeddingSize = 4, HiddenSize = 4 };
        var charLm = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { BatchSize = 4, SequenceLength = 10, EmbeddingSize = 4, HiddenSize = 4 };
        int Timed(TaskKind task, Hyperparameters hp, TrainingData data, int batches) =>
            TrainingEstimator.Estimate(task, Architecture.Rnn, hp, data, timedBatches: batches).TimedExamples;

        // A test set of its own: exactly 3 batches of 4 training texts.
        Assert.Equal(12, Timed(TaskKind.Sentiment, sentiment, new SentimentData(sentences, sentences[..10]), 3));
        Assert.Equal(4, Timed(TaskKind.Sentiment, sentiment, new SentimentData(sentences, sentences[..10]), 0)); // at least one batch
        // A tenth held out for validation: 12 / 0.9 = 13.3, so 14 texts.
        Assert.Equal(14, Timed(TaskKind.Sentiment, sentiment, new SentimentData(sentences), 3));
        Assert.Equal(14, Timed(TaskKind.CharLm, charLm, new TextCorpus(lines, LineMode: true), 3));
        // Never fewer than 2 lines (one for training, one to validate on), and a batch count of 0 times one batch.
        Assert.Equal(2, Timed(TaskKind.CharLm, charLm with { BatchSize = 1, ValidationFraction = 0 }, new TextCorpus(lines, LineMode: true), 0));
        // A continuous text: 3 batches of 4 streams of 10 characters and the last target, over 0.9: 135 characters.
        Assert.Equal(135, Timed(TaskKind.CharLm, charLm, new TextCorpus(text, LineMode: false), 3));
    }

    [Fact]
    public void DataOfTheOtherTaskIsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Rnn,
            Hyperparameters.DefaultsFor(TaskKind.Sentiment), new TextCorpus("some text", LineMode: false)));

        Assert.Equal(("data", "A Sentiment model cannot train on TextCorpus. (Parameter 'data')"), (e.ParamName, e.Message));
    }

    [Fact]
    public void WithoutSettingsTheEstimateIsRefusedNamingThem() =>
        Assert.Equal("hp", Assert.Throws<ArgumentNullException>(() => TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Rnn, null!,
            BuiltInDatasets.Load(BuiltInDatasets.ToySentiment))).ParamName);

    [Fact]
    public void ADatasetWithoutATestSetSmallerThanTheSliceIsTimedWhole()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { HiddenSize = 4, EmbeddingSize = 4 };

        var estimate = TrainingEstimator.Estimate(TaskKind.Sentiment, Architecture.Rnn, hp, new SentimentData(toy.Train), timedBatches: 100);

        Assert.Equal(toy.Train.Count, estimate.TimedExamples);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFineTuneIsTimedOnASliceOfTheSameKindOfTextAsItsBase(bool lineMode)
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var corpus = new TextCorpus(string.Join(lineMode ? '\n' : ' ', Enumerable.Repeat("ann bob cid dee", 20)), lineMode);
        var baseModel = Trainer.Train(TaskKind.CharLm, Architecture.Gru, hp, corpus).Model;

        var estimate = TrainingEstimator.Estimate(TaskKind.CharLm, Architecture.Gru, hp, corpus, initFrom: baseModel, timedBatches: 2);

        Assert.Equal(baseModel.ParameterCount, estimate.ParameterCount);
    }

    private static Action<TrainingCallbacks, CancellationToken> EpochsThenDivergence(params double[] seconds) => (callbacks, _) =>
    {
        for (int i = 0; i < seconds.Length; i++) callbacks.OnEpoch!(new EpochMetrics(i + 1, 1.0, null, null, null, null, seconds[i]));
        throw new TrainingDivergedException("The training loss became NaN.");
    };

    [Fact]
    public void TheEpochTimeIsTheFastestAfterTheFirstAndASliceThatDivergesAfterTwoTimedEpochsIsTimedOnThem()
    {
        // Many epochs on a small slice may diverge where the real job would not: two timed epochs are enough to answer.
        Assert.Equal(0.3, TrainingEstimator.WarmEpochSeconds(EpochsThenDivergence(0.9, 0.3), default));
        Assert.Equal(0.2, TrainingEstimator.WarmEpochSeconds(EpochsThenDivergence(0.9, 0.4, 0.2, 0.5), default));
        Assert.Equal(0.9, TrainingEstimator.WarmEpochSeconds((callbacks, _) =>
            callbacks.OnEpoch!(new EpochMetrics(1, 1.0, null, null, null, null, 0.9)), default)); // a slice trained once
    }

    [Fact]
    public void ASliceThatDivergesBeforeItsSecondEpochIsRefusedAsTheJobWouldBe()
    {
        Assert.Throws<TrainingDivergedException>(() => TrainingEstimator.WarmEpochSeconds(EpochsThenDivergence(0.9), default));
        Assert.Throws<TrainingDivergedException>(() => TrainingEstimator.WarmEpochSeconds(EpochsThenDivergence(), default));
    }
}
