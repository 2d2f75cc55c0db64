using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class CheckpointResumeTests
{
    private static readonly SentimentData Toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);

    [Theory]
    [InlineData(Architecture.Lstm, OptimizerKind.Adam, 0f)]
    [InlineData(Architecture.Gru, OptimizerKind.Sgd, 0.25f)]
    public void TenEpochsStraightEqualFivePlusResumedFive(Architecture architecture, OptimizerKind optimizer, float dropout)
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 10, Optimizer = optimizer, Layers = 2, Dropout = dropout, HiddenSize = 16 };
        var straight = Trainer.Train(TaskKind.Sentiment, architecture, hp, Toy);

        TrainingCheckpoint? saved = null;
        Trainer.Train(TaskKind.Sentiment, architecture, hp with { Epochs = 5 }, Toy,
            new TrainingCallbacks { OnCheckpoint = c => saved = c });
        Assert.NotNull(saved);
        Assert.Equal(5, saved.Epoch);
        var restored = TrainingCheckpoint.FromBytes(saved.ToBytes());
        var resumed = Trainer.Train(TaskKind.Sentiment, architecture, hp, Toy, resumeFrom: restored);

        Assert.Equal(straight.Model.ToSafetensors(), resumed.Model.ToSafetensors());
        Assert.Equal(straight.History.Select(m => m.TrainLoss), resumed.History.Select(m => m.TrainLoss));
    }

    [Fact]
    public void ContinuousTextResumesExactly()
    {
        var corpus = new TextCorpus("the quick brown fox jumps over the lazy dog. the end.", LineMode: false);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 6, HiddenSize = 12, SequenceLength = 8, BatchSize = 2, ValidationFraction = 0.2f };
        var straight = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);
        TrainingCheckpoint? saved = null;
        Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp with { Epochs = 3 }, corpus, new TrainingCallbacks { OnCheckpoint = c => saved = c });
        var resumed = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus, resumeFrom: TrainingCheckpoint.FromBytes(saved!.ToBytes()));
        Assert.Equal(straight.Model.ToSafetensors(), resumed.Model.ToSafetensors());
    }

    [Fact]
    public void CheckpointFromADifferentModelIsRejected()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1, HiddenSize = 8 };
        TrainingCheckpoint? saved = null;
        Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, Toy, new TrainingCallbacks { OnCheckpoint = c => saved = c });
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { HiddenSize = 9 }, Toy, resumeFrom: saved));
        Assert.Equal("resumeFrom", e.ParamName);
    }

    [Fact]
    public void EarlyStoppingStopsWhenValidationWorsensAndKeepsTheBestWeights()
    {
        // The held-out labels contradict the training labels, so validation loss rises as training fits.
        var train = new[] { "good", "great", "bad", "awful" }.Select((t, i) => new SentimentExample(t, i < 2 ? 1 : 0)).ToList();
        var test = train.Select(e => e with { Label = 1 - e.Label }).ToList();
        var data = new SentimentData(train, test);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 50, EarlyStoppingPatience = 3, BatchSize = 2 };
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, hp, data);
        var best = result.History.MinBy(m => m.ValidationLoss)!;
        Assert.True(result.StoppedEarly);
        Assert.Equal(best.Epoch + 3, result.History[^1].Epoch);
        var model = (SentimentClassifier)result.Model;
        var predictions = model.Classify(test.Select(e => e.Text).ToList());
        double loss = predictions.Zip(test).Average(p => -Math.Log(p.Second.Label == 1 ? p.First.Probability : 1 - p.First.Probability));
        Assert.Equal(best.ValidationLoss!.Value, loss, 4);
    }

    [Fact]
    public void EarlyStoppingKeepsTheWeightsOfABestEpochLaterThanTheFirst()
    {
        // Four held-out texts agree with training and one contradicts it: validation loss falls while the model grows
        // confident, then rises, so the best epoch is neither the first nor the last and the snapshot must move with it.
        var train = new[] { "good", "great", "bad", "awful" }.Select((t, i) => new SentimentExample(t, i < 2 ? 1 : 0)).ToList();
        var test = train.Append(new SentimentExample("great", 0)).ToList();
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 200, EarlyStoppingPatience = 3, BatchSize = 2, HiddenSize = 8 };
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, new SentimentData(train, test));

        var best = result.History.MinBy(m => m.ValidationLoss)!;
        Assert.True(result.StoppedEarly);
        Assert.InRange(best.Epoch, 3, result.History[^1].Epoch - 3);
        Assert.True(result.History[0].ValidationLoss - best.ValidationLoss > 0.01, $"epoch 1 {result.History[0].ValidationLoss}, best {best.ValidationLoss}");
        var predictions = ((SentimentClassifier)result.Model).Classify(test.Select(e => e.Text).ToList());
        double loss = predictions.Zip(test).Average(p => -Math.Log(p.Second.Label == 1 ? p.First.Probability : 1 - p.First.Probability));
        Assert.Equal(best.ValidationLoss!.Value, loss, 5);
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        using var cts = new CancellationTokenSource();
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1000 };
        int epochs = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, Toy,
            new TrainingCallbacks { OnEpoch = _ => { if (++epochs == 2) cts.Cancel(); } }, cancellationToken: cts.Token));
        Assert.Equal(2, epochs);
    }

    [Fact]
    public void ADivergingLossFailsTraining()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 50, LearningRate = 1e38f, Optimizer = OptimizerKind.Adam, ClipNorm = 0 };
        Assert.Throws<TrainingDivergedException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, hp, Toy));
    }
}
