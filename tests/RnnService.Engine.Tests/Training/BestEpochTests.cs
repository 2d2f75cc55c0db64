using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>The result says which epoch's weights the model holds, and its metrics are that epoch's.</summary>
public class BestEpochTests
{
    // The held-out labels contradict the training labels, so validation loss rises as training fits.
    private static readonly List<SentimentExample> Train =
        new[] { "good", "great", "bad", "awful" }.Select((t, i) => new SentimentExample(t, i < 2 ? 1 : 0)).ToList();
    private static readonly SentimentData Contradicted = new(Train, Train.Select(e => e with { Label = 1 - e.Label }).ToList());
    private static readonly Hyperparameters Settings = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 50, BatchSize = 2 };

    [Fact]
    public void AModelStoppedEarlyHoldsTheBestEpochAndReportsItsMetrics()
    {
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Settings with { EarlyStoppingPatience = 3 }, Contradicted);

        var best = result.History.MinBy(m => m.ValidationLoss)!;
        Assert.True(result.StoppedEarly);
        Assert.Equal(best.Epoch, result.BestEpoch);
        Assert.Equal(result.History[^1].Epoch - 3, result.BestEpoch);
        Assert.Same(best, result.ModelMetrics);
    }

    [Fact]
    public void WithoutEarlyStoppingTheModelHoldsTheLastEpoch()
    {
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Settings with { Epochs = 8, EarlyStoppingPatience = 0 }, Contradicted);

        Assert.Equal(8, result.BestEpoch);
        Assert.Same(result.History[^1], result.ModelMetrics);
    }
}
