using RnnService.Engine.Models;

namespace RnnService.Engine.Training;

/// <summary>Which update rule the trainer uses.</summary>
public enum OptimizerKind { Adam, Sgd }

/// <summary>
/// Everything that shapes a training run. <see cref="DefaultsFor"/> gives settings that train a good
/// model of the task in seconds; callers override what they need with a `with` expression.
/// </summary>
public sealed record Hyperparameters
{
    public int EmbeddingSize { get; init; }
    public int HiddenSize { get; init; }
    /// <summary>Stacked recurrent layers, 1 to 3.</summary>
    public int Layers { get; init; }
    /// <summary>Dropout between stacked layers while training, in [0, 1).</summary>
    public float Dropout { get; init; }
    public int Epochs { get; init; }
    public int BatchSize { get; init; }
    public float LearningRate { get; init; }
    public OptimizerKind Optimizer { get; init; }
    /// <summary>SGD momentum in [0, 1); ignored by Adam.</summary>
    public float Momentum { get; init; }
    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public float ClipNorm { get; init; }
    /// <summary>Char models: the truncated-BPTT window of a continuous text, and the longest line of a line corpus.</summary>
    public int SequenceLength { get; init; }
    /// <summary>Sentiment: vocabulary cap (specials included).</summary>
    public int MaxVocabulary { get; init; }
    /// <summary>Sentiment: texts are truncated to this many words.</summary>
    public int MaxSequenceLength { get; init; }
    /// <summary>Held-out share of the data in [0, 0.5]; 0 = none. A dataset with its own test split uses that instead.</summary>
    public float ValidationFraction { get; init; }
    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights; null = off.</summary>
    public int? EarlyStoppingPatience { get; init; }
    public int Seed { get; init; }

    public static Hyperparameters DefaultsFor(TaskKind task) => task switch
    {
        TaskKind.Sentiment => new Hyperparameters
        {
            EmbeddingSize = 32, HiddenSize = 64, Layers = 1, Dropout = 0, Epochs = 40, BatchSize = 8,
            LearningRate = 0.01f, Optimizer = OptimizerKind.Adam, Momentum = 0.9f, ClipNorm = 5,
            SequenceLength = 100, MaxVocabulary = 20000, MaxSequenceLength = 256,
            ValidationFraction = 0.1f, EarlyStoppingPatience = null, Seed = 42,
        },
        TaskKind.CharLm => new Hyperparameters
        {
            EmbeddingSize = 32, HiddenSize = 128, Layers = 1, Dropout = 0, Epochs = 20, BatchSize = 32,
            LearningRate = 0.005f, Optimizer = OptimizerKind.Adam, Momentum = 0.9f, ClipNorm = 5,
            SequenceLength = 100, MaxVocabulary = 20000, MaxSequenceLength = 256,
            ValidationFraction = 0.1f, EarlyStoppingPatience = null, Seed = 42,
        },
        _ => throw new ArgumentException($"Unknown task {task}.", nameof(task)),
    };

    /// <summary>Throws ArgumentException whose ParamName is the offending property's name.</summary>
    public void Validate()
    {
        Positive(EmbeddingSize, nameof(EmbeddingSize));
        Positive(HiddenSize, nameof(HiddenSize));
        if (Layers is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "Layers must be 1, 2 or 3.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        Positive(Epochs, nameof(Epochs));
        Positive(BatchSize, nameof(BatchSize));
        if (!float.IsFinite(LearningRate) || LearningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Unknown optimizer.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (!float.IsFinite(ClipNorm) || ClipNorm < 0) throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "ClipNorm must be 0 (off) or a positive finite number.");
        if (SequenceLength < 2) throw new ArgumentOutOfRangeException(nameof(SequenceLength), SequenceLength, "SequenceLength must be at least 2.");
        if (MaxVocabulary < 3) throw new ArgumentOutOfRangeException(nameof(MaxVocabulary), MaxVocabulary, "MaxVocabulary must be at least 3.");
        Positive(MaxSequenceLength, nameof(MaxSequenceLength));
        if (!(ValidationFraction >= 0 && ValidationFraction <= 0.5f))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in [0, 0.5].");
        if (EarlyStoppingPatience is < 1)
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be at least 1, or null for off.");
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }
}
