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
}
