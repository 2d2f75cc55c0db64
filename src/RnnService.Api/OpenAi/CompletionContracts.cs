using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;

namespace RnnService.Api.OpenAi;

/// <summary>POST /v1/completions in the shape of OpenAI's legacy Completions API, characters for tokens. model: any model
/// reference (id, name, name@version, name@alias) of a char model; prompt: a string or an array of strings (token arrays are
/// refused); max_tokens (default 16) characters per choice, 0 with echo to score the prompt alone; n choices per prompt;
/// logprobs: that many alternatives (0-20) per character, natural-log probabilities under the model (temperature 1);
/// echo: the prompt comes back before the completion, with its own logprobs (the first character of a continuous model's has
/// none); stop: a string or up to 4; user is accepted and ignored.</summary>
/// <example>{"model": "names", "prompt": "mar", "max_tokens": 12, "n": 2, "seed": 7}</example>
public sealed record CompletionRequest(
    [property: Required] string? Model, [property: Required] JsonElement? Prompt, int? MaxTokens, float? Temperature, float? TopP, int? N, JsonElement? Stop, int? Seed,
    int? Logprobs, bool? Echo, bool? Stream, StreamOptions? StreamOptions, string? User);

/// <summary>include_usage: a last chunk, with no choices, carries the usage.</summary>
public sealed record StreamOptions(bool? IncludeUsage);

/// <summary>A completion (or, streamed, one chunk of one: usage only on the last chunk when asked for).</summary>
public sealed record CompletionResponse(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CompletionUsage? Usage);

/// <summary>index = prompt index × n + choice; finish_reason stop (a stop string, or a line model ended its line) or length
/// (max_tokens reached); null in a streamed chunk that is not the choice's last.</summary>
public sealed record CompletionChoice(string Text, int Index, CompletionLogprobs? Logprobs, string? FinishReason);

/// <summary>One entry per character: the character, its natural-log probability (null for the first character of an echoed
/// prompt on a continuous model, and for characters outside the model's alphabet), the top alternatives, and its offset in
/// prompt + completion.</summary>
public sealed record CompletionLogprobs(IReadOnlyList<string> Tokens, IReadOnlyList<double?> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, double>?> TopLogprobs, IReadOnlyList<int> TextOffset);

/// <summary>Characters, not tokens: prompt_tokens counts each prompt's characters once, completion_tokens every choice's.</summary>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

/// <summary>id: the reference to send as model (name@version for a named model, else the id).</summary>
public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

/// <summary>OpenAI's error body.</summary>
public sealed record OpenAiError(OpenAiErrorDetail Error);

public sealed record OpenAiErrorDetail(string Message, string Type, string? Param, string? Code);

/// <summary>OpenAI's JSON: snake_case names, nulls written (clients read logprobs: null, finish_reason: null).</summary>
public static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Names the /v1 types' properties in the OpenAPI document as they travel (snake_case, as the endpoint reads and
    /// writes them), not in the rest of the API's camelCase.</summary>
    public static void SnakeCaseSchemas(OpenApiDocument document)
    {
        var naming = Options.PropertyNamingPolicy!;
        var types = typeof(OpenAiJson).Assembly.GetTypes().Where(t => t.Namespace == typeof(OpenAiJson).Namespace).Select(t => t.Name).ToHashSet();
        foreach (var (name, found) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (!types.Contains(name) || found is not OpenApiSchema { Properties: { } properties } schema) continue;
            schema.Properties = properties.ToDictionary(p => naming.ConvertName(p.Key), p => p.Value);
            if (schema.Required is { } required) schema.Required = required.Select(naming.ConvertName).ToHashSet();
        }
    }
}
