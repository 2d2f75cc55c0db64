using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>earlyStoppingPatience 0 turns early stopping off (every epoch asked for runs, the last weights stay), and a
/// result says which epoch's weights its model holds, with that epoch's metrics.</summary>
public class EarlyStoppingTests
{
    private static readonly List<SentimentExample> Train =
        new[] { "good", "great", "bad", "awful" }.Select((t, i) => new SentimentExample(t, i < 2 ? 1 : 0)).ToList();
    // The held-out labels contradict the training labels, so validation loss rises as training fits.
    private static readonly SentimentData Contradicted = new(Train, Train.Select(e => e with { Label = 1 - e.Label }).ToList());
    private static readonly Hyperparameters Settings = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { BatchSize = 2 };

    [Fact]
    public void PatienceZeroTrainsEveryEpochAndKeepsTheLastWeightsWhereOneWouldStopEarly()
    {
        var hp = Settings with { Epochs = 20 };

        var stopping = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, hp with { EarlyStoppingPatience = 1 }, Contradicted);
        var off = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, hp with { EarlyStoppingPatience = 0 }, Contradicted);

        Assert.True(stopping.StoppedEarly);
        Assert.True(stopping.History.Count < 20);
        Assert.False(off.StoppedEarly);
        Assert.Equal(Enumerable.Range(1, 20), off.History.Select(m => m.Epoch));
        var model = (SentimentClassifier)off.Model;
        var predictions = model.Classify(Contradicted.Test!.Select(e => e.Text).ToList());
        double loss = predictions.Zip(Contradicted.Test!).Average(p => -Math.Log(p.Second.Label == 1 ? p.First.Probability : 1 - p.First.Probability));
        Assert.Equal(off.History[^1].ValidationLoss!.Value, loss, 4);
    }

    [Fact]
    public void PatienceZeroWithoutAValidationSplitTrainsEveryEpoch()
    {
        // Each text comes with both labels, so the training loss stalls near ln 2 and patience 1 ends the run.
        var data = new SentimentData(Train.Concat(Train.Select(e => e with { Label = 1 - e.Label })).ToList());
        var hp = Settings with { Epochs = 30, ValidationFraction = 0 };

        var stopping = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { EarlyStoppingPatience = 1 }, data);
        var off = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { EarlyStoppingPatience = 0 }, data);

        Assert.True(stopping.StoppedEarly);
        Assert.Null(off.History[^1].ValidationLoss);
        Assert.False(off.StoppedEarly);
        Assert.Equal(30, off.History.Count);
    }

    [Fact]
    public void ANegativePatienceIsRefusedSayingHowToTurnEarlyStoppingOff()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { EarlyStoppingPatience = -1 };

        var error = Assert.Single(hp.Errors());

        Assert.Equal("EarlyStoppingPatience", error.Key);
        Assert.Contains("0 to turn early stopping off", error.Value);
    }

    [Fact]
    public void AModelStoppedEarlyHoldsTheBestEpochAndReportsItsMetrics()
    {
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Settings with { Epochs = 50, EarlyStoppingPatience = 3 }, Contradicted);

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
