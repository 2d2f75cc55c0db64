using System.Text.Json;
using System.Text.Json.Serialization;
using RnnService.Engine.Serialization;
using RnnService.Engine.Training;

namespace RnnService.Engine.Models;

/// <summary>
/// Everything needed to rebuild a model besides its weights; stored as JSON under the safetensors
/// metadata key "config".
/// </summary>
public sealed record ModelConfig
{
    public required TaskKind Task { get; init; }
    public required Architecture Architecture { get; init; }
    public required int VocabularySize { get; init; }
    public required int EmbeddingSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int Layers { get; init; }
    /// <summary>1 for sentiment (one logit), the vocabulary size for char models.</summary>
    public required int OutputSize { get; init; }
    /// <summary>Tokens in index order; specials first (&lt;pad&gt;, &lt;unk&gt;, and &lt;bos&gt;, &lt;eos&gt; for line-mode char models).</summary>
    public required IReadOnlyList<string> Vocabulary { get; init; }
    /// <summary>Char models: trained on one sample per line with begin/end markers.</summary>
    public bool LineMode { get; init; }
    /// <summary>Continuous char models: the text generation starts from when no prompt is given.</summary>
    public string? DefaultPrompt { get; init; }
    /// <summary>Line char models: /generate's maxLength when a request gives none, from the longest training line
    /// (<see cref="Sampling.GenerationOptions.LineMaxLength"/>); null for continuous models and models saved before it was kept,
    /// which fall back to <see cref="Sampling.GenerationOptions.DefaultMaxLength"/>. Left out of the JSON when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DefaultMaxLength { get; init; }
    public required Hyperparameters Hyperparameters { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(LowerCaseNamingPolicy.Instance) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelConfig FromJson(string json) =>
        JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions) ?? throw new InvalidDataException("Model config is empty.");

    internal RecurrentNetwork CreateNetwork()
    {
        var network = new RecurrentNetwork(Architecture, VocabularySize, EmbeddingSize, HiddenSize, Layers, OutputSize, Hyperparameters.Dropout,
            Hyperparameters.EmbeddingDropout, Hyperparameters.Pooling, Hyperparameters.Bidirectional);
        if (Hyperparameters.PretrainedEmbeddings is { } name) network.Embedding.FreezeOver(Embeddings.BuiltInWordVectors.Load(name));
        return network;
    }
}
