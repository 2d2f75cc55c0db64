using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class HyperparameterValidationTests
{
    public static TheoryData<string, Func<Hyperparameters, Hyperparameters>> BadSettings => new()
    {
        { "EmbeddingSize", h => h with { EmbeddingSize = 0 } },
        { "HiddenSize", h => h with { HiddenSize = -3 } },
        { "Layers", h => h with { Layers = 4 } },
        { "Dropout", h => h with { Dropout = float.NaN } },
        { "Epochs", h => h with { Epochs = 0 } },
        { "BatchSize", h => h with { BatchSize = 0 } },
        { "LearningRate", h => h with { LearningRate = float.NaN } },
        { "LearningRate", h => h with { LearningRate = float.PositiveInfinity } },
        { "LearningRate", h => h with { LearningRate = -0.1f } },
        { "Momentum", h => h with { Momentum = 1f } },
        { "ClipNorm", h => h with { ClipNorm = float.NaN } },
        { "SequenceLength", h => h with { SequenceLength = 1 } },
        { "MaxVocabulary", h => h with { MaxVocabulary = 2 } },
        { "MaxSequenceLength", h => h with { MaxSequenceLength = 0 } },
        { "ValidationFraction", h => h with { ValidationFraction = 0.6f } },
        { "EarlyStoppingPatience", h => h with { EarlyStoppingPatience = -1 } },
        { "Optimizer", h => h with { Optimizer = (OptimizerKind)7 } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void InvalidSettingIsRejectedNamingTheField(string field, Func<Hyperparameters, Hyperparameters> change)
    {
        var hp = change(Hyperparameters.DefaultsFor(TaskKind.Sentiment));
        var e = Assert.ThrowsAny<ArgumentException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)));
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void UnknownArchitectureIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(TaskKind.Sentiment, (Architecture)9,
            Hyperparameters.DefaultsFor(TaskKind.Sentiment), BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)));
        Assert.Equal("architecture", e.ParamName);
    }

    [Fact]
    public void DataOfTheWrongKindIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(TaskKind.CharLm, Architecture.Lstm,
            Hyperparameters.DefaultsFor(TaskKind.CharLm), BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)));
        Assert.Equal("data", e.ParamName);
    }

    [Fact]
    public void ErrorsListsEveryInvalidSettingAtOnceInDeclarationOrder()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { HiddenSize = 0, Dropout = float.NaN, BatchSize = -1, EarlyStoppingPatience = -1 };

        var errors = hp.Errors();

        Assert.Equal(["HiddenSize", "Dropout", "BatchSize", "EarlyStoppingPatience"], errors.Select(e => e.Key));
        Assert.Equal("Dropout must be in [0, 1).", errors[1].Value);
    }

    [Fact]
    public void ABidirectionalCharModelIsRejectedNamingTheField()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Bidirectional = true };

        Assert.Empty(hp.Errors());
        Assert.Equal(["Bidirectional"], hp.Errors(TaskKind.CharLm).Select(e => e.Key));
        var e = Assert.ThrowsAny<ArgumentException>(() => Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, BuiltInDatasets.Load(BuiltInDatasets.Hamlet)));
        Assert.Equal("Bidirectional", e.ParamName);
    }

    [Fact]
    public void RunningOutOfMemorySaysWhatToReduce()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1 };
        var callbacks = new TrainingCallbacks { OnEpoch = _ => throw new OutOfMemoryException() };

        var e = Assert.Throws<InsufficientMemoryException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp,
            BuiltInDatasets.Load(BuiltInDatasets.ToySentiment), callbacks));

        Assert.Contains("Reduce batchSize, maxSequenceLength, hiddenSize", e.Message);
        Assert.IsType<OutOfMemoryException>(e.InnerException);
    }

    [Fact]
    public void DefaultsAreValidForEveryTask()
    {
        Hyperparameters.DefaultsFor(TaskKind.Sentiment).Validate();
        Hyperparameters.DefaultsFor(TaskKind.CharLm).Validate();
    }
}
