using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>The trainer's promises to its callers (the API's job runner above all): which checkpoints it offers, which
/// checkpoint it accepts, that a finished early stop stays finished, and what each epoch's metrics hold.</summary>
public class TrainerContractTests
{
    private static readonly SentimentData Toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
    private static readonly Hyperparameters Tiny = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
    {
        Epochs = 4, HiddenSize = 4, EmbeddingSize = 4, EarlyStoppingPatience = 0,
    };

    [Fact]
    public void CheckpointsAreMadeAfterTheEpochsTheCallerAsksForAndAfterEveryEpochWithoutAnAnswer()
    {
        var asked = new List<int>();
        var offered = new List<int>();
        Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny, Toy, new TrainingCallbacks
        {
            CheckpointDue = epoch => { asked.Add(epoch); return epoch % 2 == 0; },
            OnCheckpoint = c => offered.Add(c.Epoch),
        });
        var everyEpoch = new List<int>();
        Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny, Toy, new TrainingCallbacks { OnCheckpoint = c => everyEpoch.Add(c.Epoch) });

        Assert.Equal([1, 2, 3, 4], asked);
        Assert.Equal([2, 4], offered);
        Assert.Equal([1, 2, 3, 4], everyEpoch);
    }

    public static TheoryData<string, Architecture, Func<Hyperparameters, Hyperparameters>> OtherRuns => new()
    {
        { "architecture", Architecture.Gru, h => h },
        { "embedding size", Architecture.Rnn, h => h with { EmbeddingSize = 5 } },
        { "layers", Architecture.Rnn, h => h with { Layers = 2 } },
        { "vocabulary", Architecture.Rnn, h => h with { MaxVocabulary = 10 } },
        { "learning rate", Architecture.Rnn, h => h with { LearningRate = 0.02f } },
    };

    [Theory]
    [MemberData(nameof(OtherRuns))]
    public void ACheckpointOfAnotherModelOrOtherSettingsIsRefusedButMoreEpochsAreNot(string difference, Architecture architecture,
        Func<Hyperparameters, Hyperparameters> change)
    {
        TrainingCheckpoint? saved = null;
        Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny with { Epochs = 1 }, Toy, new TrainingCallbacks { OnCheckpoint = c => saved = c });

        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(TaskKind.Sentiment, architecture, change(Tiny), Toy, resumeFrom: saved));
        Assert.True(e.ParamName == "resumeFrom", difference);
        Assert.Equal(4, Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny with { Epochs = 4 }, Toy, resumeFrom: saved).History.Count);
    }

    [Fact]
    public void ARunResumedAfterItStoppedEarlyTrainsNoFurtherAndKeepsItsBestEpoch()
    {
        // Held-out labels contradict the training labels, so validation worsens from the first epoch on.
        var train = new[] { "good", "great", "bad", "awful" }.Select((t, i) => new SentimentExample(t, i < 2 ? 1 : 0)).ToList();
        var data = new SentimentData(train, train.Select(e => e with { Label = 1 - e.Label }).ToList());
        var hp = Tiny with { Epochs = 50, EarlyStoppingPatience = 2, BatchSize = 2 };
        TrainingCheckpoint? last = null;
        var stopped = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, hp, data, new TrainingCallbacks { OnCheckpoint = c => last = c });

        var resumed = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, hp, data, resumeFrom: TrainingCheckpoint.FromBytes(last!.ToBytes()));

        Assert.True(stopped.StoppedEarly && resumed.StoppedEarly);
        Assert.Equal(stopped.History.Count, resumed.History.Count);
        Assert.Equal(stopped.BestEpoch + 2, stopped.History.Count);
        Assert.Equal(stopped.BestEpoch, resumed.BestEpoch);
        Assert.Equal(stopped.Model.ToSafetensors(), resumed.Model.ToSafetensors());
    }

    [Fact]
    public void ACharModelsPerplexityIsTheExponentOfItsValidationLossOrWithoutValidationOfItsTrainingLoss()
    {
        var corpus = new TextCorpus("the quick brown fox jumps over the lazy dog. the end.", LineMode: false);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 2, HiddenSize = 8, SequenceLength = 8, BatchSize = 2 };

        var validated = Trainer.Train(TaskKind.CharLm, Architecture.Rnn, hp with { ValidationFraction = 0.2f }, corpus).History;
        var unvalidated = Trainer.Train(TaskKind.CharLm, Architecture.Rnn, hp with { ValidationFraction = 0 }, corpus).History;
        var classifier = Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny with { Epochs = 1 }, Toy).History;

        Assert.All(validated, m => Assert.Equal(Math.Exp(m.ValidationLoss!.Value), m.Perplexity!.Value, 12));
        Assert.All(unvalidated, m => Assert.Equal(((double?)null, (double?)Math.Exp(m.TrainLoss)), (m.ValidationLoss, m.Perplexity)));
        Assert.Equal([1, 2], validated.Select(m => m.Epoch));
        Assert.Null(classifier[0].Perplexity);
        Assert.NotNull(classifier[0].TrainAccuracy);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 1)]    // the momentum buffer
    [InlineData(OptimizerKind.Adam, 2)]   // first and second moments
    public void TheCheckpointHoldsTheChosenOptimizersStateForTheTrainableParametersAndNoBestWeightsWithoutEarlyStopping(
        OptimizerKind optimizer, int buffers)
    {
        TrainingCheckpoint? saved = null;
        var model = Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny with { Epochs = 1, Optimizer = optimizer }, Toy,
            new TrainingCallbacks { OnCheckpoint = c => saved = c }).Model;

        Assert.Equal(buffers, saved!.OptimizerState.Count);
        Assert.All(saved.OptimizerState, b => Assert.Equal(model.ParameterCount, b.Length));
        Assert.Null(saved.BestWeights);
    }

    [Fact]
    public void RunningOutOfMemorySaysWhichSequenceSettingToReduceAndTheEstimatedPeak()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, SequenceLength = 8 };
        var corpus = new TextCorpus("the quick brown fox jumps over the lazy dog. the end.", LineMode: false);
        var callbacks = new TrainingCallbacks { OnEpoch = _ => throw new OutOfMemoryException() };

        var e = Assert.Throws<InsufficientMemoryException>(() => Trainer.Train(TaskKind.CharLm, Architecture.Rnn, hp, corpus, callbacks));

        long mebibytes = hp.EstimateTrainingMemoryBytes(TaskKind.CharLm, Architecture.Rnn) / (1024 * 1024);
        Assert.StartsWith($"Training ran out of memory (estimated peak about {mebibytes:N0} MiB). ", e.Message);
        Assert.Contains("Reduce batchSize, sequenceLength, hiddenSize", e.Message);
        Assert.True(mebibytes > 0, $"{mebibytes} MiB");
    }

    [Fact]
    public void TrainingWithoutDataIsRefusedNamingIt()
    {
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny, null!)).ParamName);
    }

    [Fact]
    public void AnEpochThatOnlyTiesTheBestValidationLossDoesNotResetPatience()
    {
        // A step of 1e-30 leaves every float weight as it was, so every epoch's validation loss ties the first one's.
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, Tiny with
        {
            Epochs = 10, EarlyStoppingPatience = 2, Optimizer = OptimizerKind.Sgd, Momentum = 0, LearningRate = 1e-30f,
        }, Toy);

        Assert.Equal([1, 2, 3], result.History.Select(m => m.Epoch));
        Assert.Single(result.History.Select(m => m.ValidationLoss).Distinct());
        Assert.True(result.StoppedEarly);
        Assert.Equal(1, result.BestEpoch);
    }
}
