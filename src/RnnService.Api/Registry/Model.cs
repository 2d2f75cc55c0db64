using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Registry;

/// <summary>A trained model: its config as JSON; its weights are a <see cref="ModelWeights"/> row. One per job.</summary>
public sealed class Model
{
    public Guid Id { get; set; }
    public Guid JobId { get; set; }
    public string? Name { get; set; }
    /// <summary>1, 2, 3, ... per name, given when the model is stored; null for a model without a name.</summary>
    public int? Version { get; set; }
    /// <summary>Fine-tuned models: the model the job started from.</summary>
    public Guid? ParentModelId { get; set; }
    public TaskKind Task { get; set; }
    public Architecture Architecture { get; set; }
    public required string Dataset { get; set; }
    public int VocabularySize { get; set; }
    public long ParameterCount { get; set; }
    public required string ConfigJson { get; set; }
    public string? FinalMetricsJson { get; set; }
    /// <summary>A <see cref="ReproducibilityRecord"/> as JSON; null for models stored before it existed.</summary>
    public string? ReproducibilityJson { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A model's shape without its vocabulary list.</summary>
public sealed record ModelConfigResponse(TaskKind Task, Architecture Architecture, int VocabularySize,
    int EmbeddingSize, int HiddenSize, int Layers, int OutputSize, bool LineMode, Hyperparameters Hyperparameters);

/// <summary>A model in the list: version is null for a model without a name; aliases are those pointing at this version;
/// finalMetrics are the metrics of the weights it stores (the best epoch's when early stopping ran, else the last's), so a
/// list needs no request per model.</summary>
public sealed record ModelSummary(Guid Id, Guid JobId, string? Name, TaskKind Task, Architecture Architecture,
    string Dataset, int VocabularySize, long ParameterCount, DateTime CreatedAt, int? Version, IReadOnlyList<string> Aliases,
    EpochMetricResponse? FinalMetrics = null);

public sealed record ModelResponse(Guid Id, Guid JobId, string? Name, TaskKind Task, Architecture Architecture,
    string Dataset, int VocabularySize, long ParameterCount, ModelConfigResponse Config,
    EpochMetricResponse? FinalMetrics, DateTime CreatedAt, int? Version, IReadOnlyList<string> Aliases, Guid? ParentModelId,
    ReproducibilityRecord? Reproducibility);

public static class ModelMapping
{
    public static ModelSummary AsSummary(this Model model, IReadOnlyList<string> aliases) =>
        new(model.Id, model.JobId, model.Name, model.Task, model.Architecture, model.Dataset, model.VocabularySize,
            model.ParameterCount, model.CreatedAt, model.Version, aliases, FinalMetrics(model));

    private static EpochMetricResponse? FinalMetrics(Model model) => model.FinalMetricsJson is null ? null
        : JsonSerializer.Deserialize<EpochMetricResponse>(model.FinalMetricsJson, ApiJson.Options);

    public static ModelResponse AsResponse(this Model model, IReadOnlyList<string> aliases)
    {
        var c = ModelConfig.FromJson(model.ConfigJson);
        var config = new ModelConfigResponse(c.Task, c.Architecture, c.VocabularySize, c.EmbeddingSize,
            c.HiddenSize, c.Layers, c.OutputSize, c.LineMode, c.Hyperparameters);
        var record = model.ReproducibilityJson is null ? null
            : JsonSerializer.Deserialize<ReproducibilityRecord>(model.ReproducibilityJson, ApiJson.Options);
        return new ModelResponse(model.Id, model.JobId, model.Name, model.Task, model.Architecture, model.Dataset,
            model.VocabularySize, model.ParameterCount, config, FinalMetrics(model), model.CreatedAt, model.Version, aliases, model.ParentModelId, record);
    }
}
