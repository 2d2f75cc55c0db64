using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>EngineWarmUp leaves nothing behind that a later job could read: models trained after it are bit-identical to
/// those trained before it; and it stops when cancelled.</summary>
public class EngineWarmUpTests
{
    private static byte[] TrainHamletWindow(Architecture architecture)
    {
        var hamlet = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            HiddenSize = 25, EmbeddingSize = 32, SequenceLength = 300, BatchSize = 1, Optimizer = OptimizerKind.Sgd,
            LearningRate = 0.05f, Epochs = 3, ValidationFraction = 0,
        };
        return Trainer.Train(TaskKind.CharLm, architecture, hp, hamlet).Model.ToSafetensors();
    }

    private static byte[] TrainToySentiment(Architecture architecture)
    {
        var toy = BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 2 };
        return Trainer.Train(TaskKind.Sentiment, architecture, hp, toy).Model.ToSafetensors();
    }

    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    [InlineData(Architecture.Rnn)]
    public void ModelsTrainedAfterTheWarmUpAreBitIdenticalToThoseTrainedBefore(Architecture architecture)
    {
        var charBefore = TrainHamletWindow(architecture);
        var sentimentBefore = TrainToySentiment(architecture);
        EngineWarmUp.Run();
        Assert.Equal(charBefore, TrainHamletWindow(architecture));
        Assert.Equal(sentimentBefore, TrainToySentiment(architecture));
    }

    [Fact]
    public void ACancelledWarmUpStops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => EngineWarmUp.Run(cancelled.Token));
    }
}
