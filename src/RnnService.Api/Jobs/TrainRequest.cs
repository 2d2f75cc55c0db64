using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>A training request. Omitted hyper-parameters take the engine's defaults for the task.</summary>
/// <param name="Task">sentiment or charlm; must match the dataset's task.</param>
/// <param name="Architecture">lstm (default), gru or rnn.</param>
/// <param name="Dataset">A built-in dataset (toy-sentiment, hamlet, us-names) or an uploaded one.</param>
/// <param name="Name">Optional: the model's name. Each job of a name that succeeds stores the name's next version (1, 2, 3, ...);
/// refer to it as name, name@version or name@alias. No '@', '/', '\', '?', '#' or '%'.</param>
/// <param name="Hyperparameters">Any subset of the hyper-parameters.</param>
/// <param name="InitFrom">Fine-tuning: a model reference (id, name, name@version, name@alias) to start from. Same task,
/// architecture and sizes (taken from it when omitted); its vocabulary is kept, unknown words or characters read as &lt;unk&gt;.</param>
public sealed record TrainRequest(TaskKind? Task, Architecture? Architecture, string? Dataset, string? Name,
    HyperparametersRequest? Hyperparameters, string? InitFrom = null);

/// <summary>Every field is optional; see GET /jobs/{id} for the effective values.</summary>
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
    int? Seed = null);

/// <summary>Merges a request over the engine's defaults and checks it against the configured limits.</summary>
public static class HyperparameterRules
{
    public static Hyperparameters Merge(TaskKind task, HyperparametersRequest? r)
    {
        var d = Hyperparameters.DefaultsFor(task);
        if (r is null) return d;
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
        };
    }

    /// <summary>Field errors keyed by JSON path ("hyperparameters.hiddenSize"); empty when valid.</summary>
    public static Dictionary<string, string[]> Check(TaskKind task, Architecture architecture, Hyperparameters h, LimitsOptions limits)
    {
        var errors = new Dictionary<string, string[]>();
        void Range(string field, double value, double min, double max)
        {
            // Written so that NaN fails too.
            if (!(value >= min && value <= max))
                errors[$"hyperparameters.{field}"] = [$"Must be between {min} and {max}."];
        }
        Range("embeddingSize", h.EmbeddingSize, 1, limits.MaxEmbeddingSize);
        Range("hiddenSize", h.HiddenSize, 1, limits.MaxHiddenSize);
        Range("layers", h.Layers, 1, limits.MaxLayers);
        Range("epochs", h.Epochs, 1, limits.MaxEpochs);
        Range("batchSize", h.BatchSize, 1, limits.MaxBatchSize);
        Range("sequenceLength", h.SequenceLength, 1, limits.MaxSequenceLength);
        Range("maxSequenceLength", h.MaxSequenceLength, 1, limits.MaxSequenceLength);
        Range("validationFraction", h.ValidationFraction, 0, limits.MaxValidationFraction);
        void Finite(string field, float value)
        {
            if (!float.IsFinite(value)) errors[$"hyperparameters.{field}"] = ["Must be a finite number."];
        }
        Finite("dropout", h.Dropout);
        Finite("learningRate", h.LearningRate);
        Finite("momentum", h.Momentum);
        Finite("clipNorm", h.ClipNorm);
        if (h.EarlyStoppingPatience is < 1)
            errors["hyperparameters.earlyStoppingPatience"] = ["Must be at least 1, or null to turn early stopping off."];
        if (errors.Count > 0) return errors;

        try
        {
            h.Validate();
        }
        catch (ArgumentException ex)
        {
            var field = string.IsNullOrEmpty(ex.ParamName) ? "hyperparameters" : "hyperparameters." + Infrastructure.Problems.CamelCase(ex.ParamName);
            errors[field] = [ex.Message.Split(" (Parameter")[0]];
            return errors;
        }

        var parameters = EstimateParameters(task, architecture, h);
        if (parameters > limits.MaxParameters)
            errors["hyperparameters"] = [$"The model would have about {parameters:N0} parameters; the limit is {limits.MaxParameters:N0} (Limits:MaxParameters). Reduce hiddenSize, embeddingSize, layers or maxVocabulary."];
        return errors;
    }

    /// <summary>Upper estimate from the sizes: embedding V*E, per layer G*H*(I+H) + 2*G*H (PyTorch's two
    /// bias vectors), head H*O + O. V is maxVocabulary for sentiment and 256 characters for char models
    /// (whose vocabulary is the corpus's characters); O is 1 for sentiment and V for char models.</summary>
    public static long EstimateParameters(TaskKind task, Architecture architecture, Hyperparameters h)
    {
        long gates = architecture switch { Architecture.Lstm => 4, Architecture.Gru => 3, _ => 1 };
        long v = task == TaskKind.Sentiment ? h.MaxVocabulary : 256;
        long e = h.EmbeddingSize, hidden = h.HiddenSize;
        long total = v * e;
        for (var layer = 0; layer < h.Layers; layer++)
        {
            var input = layer == 0 ? e : hidden;
            total += gates * hidden * (input + hidden) + 2 * gates * hidden;
        }
        long output = task == TaskKind.Sentiment ? 1 : v;
        return total + hidden * output + output;
    }
}
