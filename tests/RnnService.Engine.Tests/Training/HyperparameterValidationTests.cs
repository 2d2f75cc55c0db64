using RnnService.Engine.Data;
using RnnService.Engine.Embeddings;
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
        { "HiddenSize", h => h with { HiddenSize = 0 } },
        { "Layers", h => h with { Layers = 0 } },
        { "Dropout", h => h with { Dropout = 1f } },
        { "EmbeddingDropout", h => h with { EmbeddingDropout = 1f } },
        { "EmbeddingDropout", h => h with { EmbeddingDropout = -0.1f } },
        { "Pooling", h => h with { Pooling = (Pooling)9 } },
        { "PretrainedEmbeddings", h => h with { PretrainedEmbeddings = "word2vec" } },
        { "WeightDecay", h => h with { WeightDecay = -0.01f } },
        { "WeightDecay", h => h with { WeightDecay = float.PositiveInfinity } },
        { "LearningRate", h => h with { LearningRate = 0f } },
        { "Momentum", h => h with { Momentum = -0.1f } },
        { "ClipNorm", h => h with { ClipNorm = -1f } },
        { "ClipNorm", h => h with { ClipNorm = float.PositiveInfinity } },
        { "ValidationFraction", h => h with { ValidationFraction = -0.1f } },
    };

    /// <summary>What the API shows a user for each setting (as the detail of a 400 naming the field).</summary>
    public static TheoryData<string, string, Func<Hyperparameters, Hyperparameters>> Explanations => new()
    {
        { "EmbeddingSize", "EmbeddingSize must be positive.", h => h with { EmbeddingSize = 0 } },
        { "HiddenSize", "HiddenSize must be positive.", h => h with { HiddenSize = 0 } },
        { "Layers", "Layers must be 1, 2 or 3.", h => h with { Layers = 4 } },
        { "Dropout", "Dropout must be in [0, 1).", h => h with { Dropout = 1 } },
        { "EmbeddingDropout", "EmbeddingDropout must be in [0, 1).", h => h with { EmbeddingDropout = 1 } },
        { "Pooling", "Unknown pooling; use last, mean or max.", h => h with { Pooling = (Pooling)9 } },
        { "PretrainedEmbeddings", "Unknown pretrained embeddings; use glove-6b-100d, or none.", h => h with { PretrainedEmbeddings = "word2vec" } },
        { "WeightDecay", "WeightDecay must be 0 (off) or a positive finite number.", h => h with { WeightDecay = -1 } },
        { "Epochs", "Epochs must be positive.", h => h with { Epochs = 0 } },
        { "BatchSize", "BatchSize must be positive.", h => h with { BatchSize = 0 } },
        { "LearningRate", "LearningRate must be a positive finite number.", h => h with { LearningRate = 0 } },
        { "Optimizer", "Unknown optimizer.", h => h with { Optimizer = (OptimizerKind)7 } },
        { "Momentum", "Momentum must be in [0, 1).", h => h with { Momentum = 1 } },
        { "ClipNorm", "ClipNorm must be 0 (off) or a positive finite number.", h => h with { ClipNorm = -1 } },
        { "SequenceLength", "SequenceLength must be at least 2.", h => h with { SequenceLength = 1 } },
        { "MaxVocabulary", "MaxVocabulary must be at least 3.", h => h with { MaxVocabulary = 2 } },
        { "MaxSequenceLength", "MaxSequenceLength must be positive.", h => h with { MaxSequenceLength = 0 } },
        { "ValidationFraction", "ValidationFraction must be in [0, 0.5].", h => h with { ValidationFraction = 0.6f } },
        { "EarlyStoppingPatience", "EarlyStoppingPatience must be at least 1, or 0 to turn early stopping off (every epoch runs).",
            h => h with { EarlyStoppingPatience = -1 } },
    };

    [Theory]
    [MemberData(nameof(Explanations))]
    public void EachInvalidSettingIsExplainedInTheWordsTheApiShows(string field, string message, Func<Hyperparameters, Hyperparameters> change)
    {
        var errors = change(Hyperparameters.DefaultsFor(TaskKind.Sentiment)).Errors();

        Assert.Equal([new KeyValuePair<string, string>(field, message)], errors);
    }

    /// <summary>The last valid value at each end of a range (the bad settings above are the first invalid ones).</summary>
    public static TheoryData<string, Func<Hyperparameters, Hyperparameters>> EdgeSettings => new()
    {
        { "sizes of 1", h => h with { EmbeddingSize = 1, HiddenSize = 1, Layers = 1, Epochs = 1, BatchSize = 1, MaxSequenceLength = 1 } },
        { "3 layers", h => h with { Layers = 3 } },
        { "no dropout", h => h with { Dropout = 0, EmbeddingDropout = 0 } },
        { "no momentum, decay or clip", h => h with { Momentum = 0, WeightDecay = 0, ClipNorm = 0 } },
        { "shortest sequences, smallest vocabulary", h => h with { SequenceLength = 2, MaxVocabulary = 3 } },
        { "no validation, early stopping off", h => h with { ValidationFraction = 0, EarlyStoppingPatience = 0 } },
        { "half for validation, patience null", h => h with { ValidationFraction = 0.5f, EarlyStoppingPatience = null } },
    };

    [Theory]
    [MemberData(nameof(EdgeSettings))]
    public void SettingsOnTheEdgeOfTheirRangeAreValid(string edge, Func<Hyperparameters, Hyperparameters> change)
    {
        var hp = change(Hyperparameters.DefaultsFor(TaskKind.Sentiment));

        Assert.True(hp.Errors(TaskKind.Sentiment).Count == 0, $"{edge}: {string.Join("; ", hp.Errors(TaskKind.Sentiment))}");
    }

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
        Assert.Equal([new KeyValuePair<string, string>("Bidirectional",
            "A char model predicts the next character from the past only, so it cannot be bidirectional.")], hp.Errors(TaskKind.CharLm));
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
    public void PretrainedWordVectorsAreRefusedForACharModelAndNeedTheirOwnWidth()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d, EmbeddingSize = 100 };

        Assert.Empty(hp.Errors());
        Assert.Equal([new KeyValuePair<string, string>("PretrainedEmbeddings",
            "Pretrained embeddings are word vectors; a char model learns its character embeddings.")], hp.Errors(TaskKind.CharLm));
        Assert.Equal(["EmbeddingSize"], (hp with { EmbeddingSize = 0 }).Errors().Select(e => e.Key)); // one error, not a width too
        var narrow = (hp with { EmbeddingSize = 99 }).Errors();
        Assert.Equal(["EmbeddingSize"], narrow.Select(e => e.Key));
        Assert.StartsWith("EmbeddingSize must be 100, the width of the pretrained embeddings glove-6b-100d", narrow[0].Value);
    }

    [Fact]
    public void DefaultsAreValidForEveryTask()
    {
        Hyperparameters.DefaultsFor(TaskKind.Sentiment).Validate();
        Hyperparameters.DefaultsFor(TaskKind.CharLm).Validate();
    }
}
