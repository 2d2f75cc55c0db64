using System.ComponentModel.DataAnnotations;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>A training request. Omitted hyper-parameters take the engine's defaults for the task.</summary>
/// <example>{"task": "charlm", "dataset": "us-names", "name": "names", "hyperparameters": {"hiddenSize": 32, "epochs": 2}}</example>
/// <param name="Task">sentiment or charlm; must match the dataset's task.</param>
/// <param name="Architecture">lstm (default; a fine-tune's is its base model's), gru or rnn.</param>
/// <param name="Dataset">A built-in dataset (toy-sentiment, hamlet, us-names, imdb-sentences) or an uploaded one.</param>
/// <param name="Name">Optional: the model's name. Each job of a name that succeeds stores the name's next version (1, 2, 3, ...);
/// refer to it as name, name@version or name@alias. No '@', '/', '\', '?', '#' or '%'.</param>
/// <param name="Hyperparameters">Any subset of the hyper-parameters.</param>
/// <param name="InitFrom">Fine-tuning: a model reference (id, name, name@version, name@alias) to start from. Same task,
/// architecture and sizes (taken from it when omitted), and for char models a dataset of the same kind (lines or continuous text)
/// and alphabet (a character the base never saw is refused); its vocabulary is kept, unknown words read as &lt;unk&gt;.</param>
public sealed record TrainRequest([property: Required] TaskKind? Task, Architecture? Architecture, [property: Required] string? Dataset,
    string? Name, HyperparametersRequest? Hyperparameters, string? InitFrom = null);

/// <summary>Every field is optional. An omitted one takes the default shown, or where none is shown one fitted to the task and
/// the dataset's size (POST /train/estimate and GET /jobs/{id} give the effective values).</summary>
/// <example>{"hiddenSize": 64, "epochs": 10, "earlyStoppingPatience": 0}</example>
/// <param name="EmbeddingSize">Width of each word's or character's vector.</param>
/// <param name="HiddenSize">Width of each recurrent layer's state.</param>
/// <param name="Layers">Stacked recurrent layers, 1 to 3: 1 by default, a fine-tune's base model's.</param>
/// <param name="Dropout">Dropout between stacked layers and before the head while training, in [0, 1).</param>
/// <param name="Epochs">Passes over the training data (fitted to the data's size when omitted).</param>
/// <param name="BatchSize">Sequences per optimisation step.</param>
/// <param name="LearningRate">Step size of the optimizer.</param>
/// <param name="Optimizer">adam (AdamW when weightDecay is set) or sgd.</param>
/// <param name="Momentum">SGD momentum in [0, 1); ignored by Adam.</param>
/// <param name="ClipNorm">Global gradient-norm clip; 0 turns clipping off.</param>
/// <param name="SequenceLength">Char models: the truncated-BPTT window, and the longest line of a line corpus.</param>
/// <param name="MaxVocabulary">Sentiment: vocabulary cap, specials included.</param>
/// <param name="MaxSequenceLength">Sentiment: texts are truncated to this many words.</param>
/// <param name="ValidationFraction">Held-out share of the data in [0, 0.5] for validation and early stopping.</param>
/// <param name="EarlyStoppingPatience">Stop after this many epochs without a better validation loss (the training loss without a
/// validation split), keeping the best weights. 0 turns early stopping off: exactly epochs run and the last weights are kept.
/// Omitted: the task's default (off for a continuous text without a validation split).</param>
/// <param name="Seed">Seeds initialisation, shuffling, dropout and the validation split.</param>
/// <param name="EmbeddingDropout">Dropout on the embedding output while training, in [0, 1).</param>
/// <param name="Pooling">Sentiment: last, mean or max over each text's real words.</param>
/// <param name="WeightDecay">Decoupled weight decay as torch.optim.AdamW; 0 = plain Adam.</param>
/// <param name="Bidirectional">Sentiment: every layer also reads each text backwards.</param>
/// <param name="PretrainedEmbeddings">Sentiment: glove-6b-100d (the default when embeddingSize is omitted or 100) starts the
/// embedding from GloVe's vectors and keeps them; words the training texts lack still read theirs. none: learn the embedding.</param>
public sealed record HyperparametersRequest(
    int? EmbeddingSize = null,
    int? HiddenSize = null,
    int? Layers = null,
    float? Dropout = null,
    int? Epochs = null,
    int? BatchSize = null,
    float? LearningRate = null,
    OptimizerKind? Optimizer = null,
    float? Momentum = null,
    float? ClipNorm = null,
    int? SequenceLength = null,
    int? MaxVocabulary = null,
    int? MaxSequenceLength = null,
    float? ValidationFraction = null,
    int? EarlyStoppingPatience = null,
    int? Seed = null,
    float? EmbeddingDropout = null,
    Pooling? Pooling = null,
    float? WeightDecay = null,
    bool? Bidirectional = null,
    string? PretrainedEmbeddings = null) : IRequestDefaults<HyperparametersRequest>
{
    public static HyperparametersRequest Defaults { get; } = HyperparameterRules.CommonDefaults();
}

/// <summary>Merges a request over the engine's defaults and checks it against the configured limits.</summary>
public static class HyperparameterRules
{
    /// <summary>
    /// The request over the engine's defaults: fitted to the dataset when its shape is known (batch size, validation
    /// split, and <see cref="Hyperparameters.EpochsFor"/> the merged settings unless the request gives epochs), the
    /// task's defaults otherwise.
    /// </summary>
    public static Hyperparameters Merge(TaskKind task, HyperparametersRequest? r, DataShape? shape = null)
    {
        var d = shape is null ? Hyperparameters.DefaultsFor(task) : Hyperparameters.DefaultsFor(task, shape);
        if (r is null) return d;
        var merged = Override(d, r);
        return shape is null || r.Epochs is not null ? merged : merged with { Epochs = merged.EpochsFor(task, shape) };
    }

    /// <summary>The settings every task and dataset start from alike, as a request (the document's defaults); null where the
    /// engine fits a setting to the task or the data (one shape of each kind the fitting tells apart: sentences, lines, a
    /// short and a long continuous text), and for the sizes a fine-tune takes from its base model.</summary>
    internal static HyperparametersRequest CommonDefaults()
    {
        Hyperparameters[] all =
        [
            Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(1_000, Continuous: false)),
            Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(1_000, Continuous: false)),
            Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(Hyperparameters.ShortTextCharacters / 2, Continuous: true)),
            Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(Hyperparameters.ShortTextCharacters * 50, Continuous: true)),
        ];
        T? Same<T>(Func<Hyperparameters, T> setting) where T : struct => all.Select(setting).Distinct().Count() == 1 ? setting(all[0]) : null;
        return new HyperparametersRequest(
            EmbeddingSize: Same(h => h.EmbeddingSize), HiddenSize: Same(h => h.HiddenSize), Layers: null,
            Dropout: Same(h => h.Dropout), Epochs: Same(h => h.Epochs), BatchSize: Same(h => h.BatchSize),
            LearningRate: Same(h => h.LearningRate), Optimizer: Same(h => h.Optimizer), Momentum: Same(h => h.Momentum),
            ClipNorm: Same(h => h.ClipNorm), SequenceLength: Same(h => h.SequenceLength), MaxVocabulary: Same(h => h.MaxVocabulary),
            MaxSequenceLength: Same(h => h.MaxSequenceLength), ValidationFraction: Same(h => h.ValidationFraction),
            EarlyStoppingPatience: all.Select(h => h.EarlyStoppingPatience).Distinct().Count() == 1 ? all[0].EarlyStoppingPatience : null,
            Seed: Same(h => h.Seed), EmbeddingDropout: Same(h => h.EmbeddingDropout), Pooling: Same(h => h.Pooling),
            WeightDecay: Same(h => h.WeightDecay), Bidirectional: Same(h => h.Bidirectional),
            PretrainedEmbeddings: all.Select(h => h.PretrainedEmbeddings).Distinct().Count() == 1
                ? all[0].PretrainedEmbeddings ?? NoPretrainedEmbeddings : null);
    }

    private static Hyperparameters Override(Hyperparameters d, HyperparametersRequest r)
    {
        return d with
        {
            EmbeddingSize = r.EmbeddingSize ?? d.EmbeddingSize,
            HiddenSize = r.HiddenSize ?? d.HiddenSize,
            Layers = r.Layers ?? d.Layers,
            Dropout = r.Dropout ?? d.Dropout,
            Epochs = r.Epochs ?? d.Epochs,
            BatchSize = r.BatchSize ?? d.BatchSize,
            LearningRate = r.LearningRate ?? d.LearningRate,
            Optimizer = r.Optimizer ?? d.Optimizer,
            Momentum = r.Momentum ?? d.Momentum,
            ClipNorm = r.ClipNorm ?? d.ClipNorm,
            SequenceLength = r.SequenceLength ?? d.SequenceLength,
            MaxVocabulary = r.MaxVocabulary ?? d.MaxVocabulary,
            MaxSequenceLength = r.MaxSequenceLength ?? d.MaxSequenceLength,
            ValidationFraction = r.ValidationFraction ?? d.ValidationFraction,
            EarlyStoppingPatience = r.EarlyStoppingPatience ?? d.EarlyStoppingPatience,
            Seed = r.Seed ?? d.Seed,
            EmbeddingDropout = r.EmbeddingDropout ?? d.EmbeddingDropout,
            Pooling = r.Pooling ?? d.Pooling,
            WeightDecay = r.WeightDecay ?? d.WeightDecay,
            Bidirectional = r.Bidirectional ?? d.Bidirectional,
            PretrainedEmbeddings = PretrainedEmbeddings(d, r),
        };
    }

    /// <summary>"none" turns the default vectors off; a request that sets another embedding size without naming
    /// vectors learns its embedding (the default vectors fit only their own width).</summary>
    private static string? PretrainedEmbeddings(Hyperparameters d, HyperparametersRequest r) => r.PretrainedEmbeddings switch
    {
        NoPretrainedEmbeddings => null,
        { } name => name,
        null when d.PretrainedEmbeddings is { } name && r.EmbeddingSize is { } size
            && BuiltInWordVectors.Exists(name) && size != BuiltInWordVectors.DimensionsOf(name) => null,
        null => d.PretrainedEmbeddings,
    };

    /// <summary>The request's word for "no pretrained embeddings" (JSON null means "the default").</summary>
    public const string NoPretrainedEmbeddings = "none";

    /// <summary>
    /// Field errors keyed by JSON path ("hyperparameters.hiddenSize"); empty when valid. The engine's own rules
    /// (<see cref="Hyperparameters.Errors(TaskKind)"/>) come first, all at once; this adds only the configured limits.
    /// </summary>
    public static Dictionary<string, string[]> Check(TaskKind task, Architecture architecture, Hyperparameters h, LimitsOptions limits)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, message) in h.Errors(task))
            errors[Path(field)] = [message];

        void AtMost(string field, double value, double max, string limit, string advice = "")
        {
            if (value > max && !errors.ContainsKey(Path(field)))
                errors[Path(field)] = [$"At most {max} (Limits:{limit}).{advice}"];
        }
        // An operator's limit below the default vectors' width: say how to train anyway.
        AtMost(nameof(h.EmbeddingSize), h.EmbeddingSize, limits.MaxEmbeddingSize, nameof(limits.MaxEmbeddingSize),
            h.PretrainedEmbeddings is { } vectors ? $" The word vectors {vectors} are {h.EmbeddingSize} wide: set pretrainedEmbeddings to none and a smaller embeddingSize." : "");
        AtMost(nameof(h.HiddenSize), h.HiddenSize, limits.MaxHiddenSize, nameof(limits.MaxHiddenSize));
        AtMost(nameof(h.Layers), h.Layers, limits.MaxLayers, nameof(limits.MaxLayers));
        AtMost(nameof(h.Epochs), h.Epochs, limits.MaxEpochs, nameof(limits.MaxEpochs));
        AtMost(nameof(h.BatchSize), h.BatchSize, limits.MaxBatchSize, nameof(limits.MaxBatchSize));
        AtMost(nameof(h.SequenceLength), h.SequenceLength, limits.MaxSequenceLength, nameof(limits.MaxSequenceLength));
        AtMost(nameof(h.MaxSequenceLength), h.MaxSequenceLength, limits.MaxSequenceLength, nameof(limits.MaxSequenceLength));
        AtMost(nameof(h.ValidationFraction), h.ValidationFraction, limits.MaxValidationFraction, nameof(limits.MaxValidationFraction));
        if (errors.Count > 0) return errors;

        var parameters = h.EstimateParameters(task, architecture);
        if (parameters > limits.MaxParameters)
            errors["hyperparameters"] = [$"The model would have about {parameters:N0} parameters (the embedding's maxVocabulary × embeddingSize included, frozen or not); " +
                $"the limit is {limits.MaxParameters:N0} (Limits:MaxParameters). Reduce hiddenSize, embeddingSize, layers or maxVocabulary."];

        var memory = h.EstimateTrainingMemoryBytes(task, architecture);
        if (memory > limits.MaxTrainingMemoryBytes)
        {
            var longest = task == TaskKind.Sentiment ? nameof(h.MaxSequenceLength) : nameof(h.SequenceLength);
            var message = $"Training would need about {Mebibytes(memory):N0} MiB at its peak; the limit is {Mebibytes(limits.MaxTrainingMemoryBytes):N0} MiB " +
                $"(Limits:MaxTrainingMemoryBytes). Reduce batchSize, {Problems.CamelCase(longest)} or hiddenSize.";
            foreach (var field in new[] { nameof(h.BatchSize), longest, nameof(h.HiddenSize) })
                errors[Path(field)] = [message];
        }
        return errors;
    }

    private static string Path(string property) => "hyperparameters." + Problems.CamelCase(property);

    private static long Mebibytes(long bytes) => bytes / (1024 * 1024);
}
