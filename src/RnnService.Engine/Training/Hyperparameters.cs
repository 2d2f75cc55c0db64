using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;

namespace RnnService.Engine.Training;

/// <summary>Which update rule the trainer uses.</summary>
public enum OptimizerKind { Adam, Sgd }

/// <summary>
/// Everything that shapes a training run. <see cref="DefaultsFor(TaskKind)"/> gives the task's settings (early
/// stopping on); <see cref="DefaultsFor(TaskKind, DataShape)"/> also fits them to the data's size. Callers
/// override what they need with a `with` expression.
/// </summary>
public sealed partial record Hyperparameters
{
    public int EmbeddingSize { get; init; }
    public int HiddenSize { get; init; }
    /// <summary>Stacked recurrent layers, 1 to 3.</summary>
    public int Layers { get; init; }
    /// <summary>Dropout between stacked layers and before the head while training, in [0, 1).</summary>
    public float Dropout { get; init; }
    /// <summary>Dropout on the embedding output while training, in [0, 1).</summary>
    public float EmbeddingDropout { get; init; }
    /// <summary>Sentiment: how the top layer's outputs become one vector per text (last real token, mean or max over real tokens).</summary>
    public Pooling Pooling { get; init; }
    /// <summary>Sentiment: every layer also reads each text backwards (PyTorch bidirectional=True); char models predict from the past only.</summary>
    public bool Bidirectional { get; init; }
    /// <summary>
    /// Sentiment: built-in pretrained word vectors (<see cref="Embeddings.BuiltInWordVectors"/>, "glove-6b-100d") that
    /// the embedding starts from and keeps (frozen, as PyTorch's from_pretrained); words outside the vocabulary that
    /// the table has read its vectors instead of &lt;unk&gt;. EmbeddingSize must be the table's width. Null: learned from scratch.
    /// </summary>
    public string? PretrainedEmbeddings { get; init; }
    /// <summary>Decoupled weight decay as torch.optim.AdamW (p ·= 1 − lr·weightDecay each step); 0 = plain Adam; ignored by SGD.</summary>
    public float WeightDecay { get; init; }
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
    /// <summary>Stop after this many epochs without a better validation loss (the training loss without a validation
    /// split) and keep the best weights; 0 = off: every one of <see cref="Epochs"/> runs and the last weights stay (null, in jobs
    /// stored before 0 was the default off value, reads as 0).</summary>
    public int? EarlyStoppingPatience { get; init; }
    public int Seed { get; init; }

    public static Hyperparameters DefaultsFor(TaskKind task) => task switch
    {
        TaskKind.Sentiment => new Hyperparameters
        {
            EmbeddingSize = 32, HiddenSize = 64, Layers = 1, Dropout = 0, Epochs = 40, BatchSize = 8,
            LearningRate = 0.01f, Optimizer = OptimizerKind.Adam, Momentum = 0.9f, ClipNorm = 5,
            SequenceLength = 100, MaxVocabulary = 20000, MaxSequenceLength = 256,
            ValidationFraction = 0.1f, EarlyStoppingPatience = 3, Seed = 42,
        },
        TaskKind.CharLm => new Hyperparameters
        {
            EmbeddingSize = 32, HiddenSize = 128, Layers = 1, Dropout = 0, Epochs = 20, BatchSize = 32,
            LearningRate = 0.005f, Optimizer = OptimizerKind.Adam, Momentum = 0.9f, ClipNorm = 5,
            SequenceLength = 100, MaxVocabulary = 20000, MaxSequenceLength = 256,
            ValidationFraction = 0.1f, EarlyStoppingPatience = 2, Seed = 42,
        },
        _ => throw new ArgumentException($"Unknown task {task}.", nameof(task)),
    };

    /// <summary>Throws ArgumentException for the first of <see cref="Errors()"/>; its ParamName is the property's name.</summary>
    public void Validate() => Throw(Errors());

    /// <summary>As <see cref="Validate()"/>, with the rules that depend on the task.</summary>
    public void Validate(TaskKind task) => Throw(Errors(task));

    private void Throw(IReadOnlyList<KeyValuePair<string, string>> errors)
    {
        foreach (var (field, message) in errors)
            throw new ArgumentOutOfRangeException(field, typeof(Hyperparameters).GetProperty(field)?.GetValue(this), message);
    }

    /// <summary><see cref="Errors()"/> and the rules that depend on the task.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Errors(TaskKind task)
    {
        var errors = Errors().ToList();
        if (task == TaskKind.CharLm && Bidirectional)
            errors.Add(new(nameof(Bidirectional), "A char model predicts the next character from the past only, so it cannot be bidirectional."));
        if (task == TaskKind.CharLm && PretrainedEmbeddings != null)
            errors.Add(new(nameof(PretrainedEmbeddings), "Pretrained embeddings are word vectors; a char model learns its character embeddings."));
        return errors;
    }

    /// <summary>Every invalid setting at once, keyed by property name ("HiddenSize"), in declaration order; empty when valid.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Errors()
    {
        var errors = new List<KeyValuePair<string, string>>();
        void Check(bool ok, string field, string message)
        {
            if (!ok) errors.Add(new(field, message));
        }
        // Comparisons are written so that NaN fails them.
        Check(EmbeddingSize > 0, nameof(EmbeddingSize), "EmbeddingSize must be positive.");
        if (BuiltInWordVectors.Exists(PretrainedEmbeddings) && EmbeddingSize > 0 && EmbeddingSize != BuiltInWordVectors.DimensionsOf(PretrainedEmbeddings!))
            errors.Add(new(nameof(EmbeddingSize), $"EmbeddingSize must be {BuiltInWordVectors.DimensionsOf(PretrainedEmbeddings!)}, the width of " +
                $"the pretrained embeddings {PretrainedEmbeddings} (or set pretrainedEmbeddings to none to learn them)."));
        Check(HiddenSize > 0, nameof(HiddenSize), "HiddenSize must be positive.");
        Check(Layers is >= 1 and <= 3, nameof(Layers), "Layers must be 1, 2 or 3.");
        Check(Dropout >= 0 && Dropout < 1, nameof(Dropout), "Dropout must be in [0, 1).");
        Check(EmbeddingDropout >= 0 && EmbeddingDropout < 1, nameof(EmbeddingDropout), "EmbeddingDropout must be in [0, 1).");
        Check(Enum.IsDefined(Pooling), nameof(Pooling), "Unknown pooling; use last, mean or max.");
        Check(PretrainedEmbeddings is null || BuiltInWordVectors.Exists(PretrainedEmbeddings), nameof(PretrainedEmbeddings),
            $"Unknown pretrained embeddings; use {string.Join(", ", BuiltInWordVectors.Names)}, or none.");
        Check(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), "WeightDecay must be 0 (off) or a positive finite number.");
        Check(Epochs > 0, nameof(Epochs), "Epochs must be positive.");
        Check(BatchSize > 0, nameof(BatchSize), "BatchSize must be positive.");
        Check(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), "LearningRate must be a positive finite number.");
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), "Unknown optimizer.");
        Check(Momentum >= 0 && Momentum < 1, nameof(Momentum), "Momentum must be in [0, 1).");
        Check(float.IsFinite(ClipNorm) && ClipNorm >= 0, nameof(ClipNorm), "ClipNorm must be 0 (off) or a positive finite number.");
        Check(SequenceLength >= 2, nameof(SequenceLength), "SequenceLength must be at least 2.");
        Check(MaxVocabulary >= 3, nameof(MaxVocabulary), "MaxVocabulary must be at least 3.");
        Check(MaxSequenceLength > 0, nameof(MaxSequenceLength), "MaxSequenceLength must be positive.");
        Check(ValidationFraction >= 0 && ValidationFraction <= 0.5f, nameof(ValidationFraction), "ValidationFraction must be in [0, 0.5].");
        Check(EarlyStoppingPatience is null or >= 0, nameof(EarlyStoppingPatience),
            "EarlyStoppingPatience must be at least 1, or 0 to turn early stopping off (every epoch runs).");
        return errors;
    }

    /// <summary>Characters a char model is assumed to know before its corpus is read (its vocabulary is the corpus's characters).</summary>
    public const int AssumedCharacterVocabulary = 256;

    /// <summary>
    /// The model's parameter count for a vocabulary of <paramref name="vocabularySize"/> tokens; without one, an
    /// upper estimate: MaxVocabulary words for sentiment, <see cref="AssumedCharacterVocabulary"/> for char models.
    /// </summary>
    public long EstimateParameters(TaskKind task, Architecture architecture, int? vocabularySize = null)
    {
        var (v, o) = Vocabulary(task, vocabularySize);
        return ModelSize.Parameters(architecture, v, EmbeddingSize, HiddenSize, Layers, o, Bidirectional);
    }

    /// <summary>
    /// Peak training memory in bytes (see <see cref="ModelSize.TrainingBytes"/>): the largest batch of a
    /// run (training or evaluation) over the longest sequence, MaxSequenceLength words for sentiment and
    /// SequenceLength characters for char models.
    /// </summary>
    public long EstimateTrainingMemoryBytes(TaskKind task, Architecture architecture, int? vocabularySize = null)
    {
        var (v, o) = Vocabulary(task, vocabularySize);
        int steps = task == TaskKind.Sentiment ? MaxSequenceLength : SequenceLength;
        return ModelSize.TrainingBytes(architecture, task, v, EmbeddingSize, HiddenSize, Layers, o,
            Math.Max(BatchSize, EvaluationBatchSize()), steps, Optimizer, Bidirectional);
    }

    /// <summary>
    /// A lower bound on the multiply-adds of the whole run (every epoch; early stopping may end it sooner): each training
    /// step costs the recurrent layers' gate projections three times (forward, then backward to the inputs and to the
    /// weights). Steps per epoch: the training share of a continuous text's characters, else at least one per line or
    /// text. The head, the element-wise gate maths and validation are left out, so the true cost is higher.
    /// </summary>
    public double MinimumTrainingMultiplyAdds(Architecture architecture, DataShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        double perStep = ModelSize.MultiplyAddsPerStep(architecture, EmbeddingSize, HiddenSize, Layers, outputSize: 0, Bidirectional);
        return 3 * perStep * shape.Samples * (1 - ValidationFraction) * Epochs;
    }

    /// <summary>Validation batches: at least 64 rows for speed, never more than a training batch would use memory for.</summary>
    internal int EvaluationBatchSize() => Math.Max(BatchSize, 64);

    private (int Vocabulary, int Output) Vocabulary(TaskKind task, int? vocabularySize)
    {
        int v = vocabularySize ?? (task == TaskKind.Sentiment ? MaxVocabulary : AssumedCharacterVocabulary);
        return (v, task == TaskKind.Sentiment ? 1 : v);
    }
}
