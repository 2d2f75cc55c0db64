using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Inference;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Sampling;

namespace RnnService.Api.OpenAi;

/// <summary>A completion request read and checked: its prompts, the generation settings they share, and what to answer.
/// Logprobs is null when none were asked for (0 gives each character's own logprob without alternatives).</summary>
public sealed record CompletionOptions(IReadOnlyList<string> Prompts, GenerationOptions Generation, int MaxTokens, int? Logprobs,
    bool Echo, bool Stream, bool IncludeUsage)
{
    public const int MaxLogprobs = ScoreApi.MaxTop;

    /// <summary>Choices per prompt.</summary>
    public int N => Generation.Count;

    public GenerationOptions For(string prompt) => Generation with { Prompt = prompt };

    /// <summary>Every choice runs its prompt and max_tokens steps; an echo with logprobs scores each prompt once more.</summary>
    public RequestSteps Steps()
    {
        long characters = Prompts.Sum(p => (long)p.Length);
        long steps = (MaxTokens > 0 ? N * (characters + (long)Prompts.Count * MaxTokens) : 0) + (Echo && Logprobs is not null ? characters : 0);
        return new RequestSteps(steps, $"{Prompts.Count} prompt{(Prompts.Count == 1 ? "" : "s")} of {characters} characters in all, " +
            $"n = {N}, max_tokens = {MaxTokens}{(Echo && Logprobs is not null ? ", scored (echo)" : "")} = {steps} steps",
            "ask for fewer choices (n) or characters (max_tokens), or send fewer or shorter prompts", ["max_tokens", "n", "prompt"]);
    }

    /// <summary>The options, or a 400 naming the first wrong field by its OpenAI name.</summary>
    public static (CompletionOptions? Options, ValidationProblem? Problem) Read(CompletionRequest request, LimitsOptions limits)
    {
        if (string.IsNullOrWhiteSpace(request.Model))
            return (null, Problems.Invalid("model", "Required: a model reference (an id, name, name@version or name@alias); GET /v1/models lists them."));
        if (Strings(request.Prompt) is not { } prompts) return (null, Problems.Invalid("prompt", "Required: a string or an array of strings (token ids are not supported: this service's tokens are characters)."));
        if (prompts.Count == 0 || prompts.Count > limits.MaxTextsPerRequest)
            return (null, Problems.Invalid("prompt", $"Give 1 to {limits.MaxTextsPerRequest} prompts (Limits:MaxTextsPerRequest)."));
        var stop = request.Stop is null || request.Stop.Value.ValueKind == JsonValueKind.Null ? [] : Strings(request.Stop);
        if (stop is null) return (null, Problems.Invalid("stop", "A string or an array of strings."));
        int maxTokens = request.MaxTokens ?? CompletionsApi.DefaultMaxTokens;
        if (maxTokens < 0) return (null, Problems.Invalid("max_tokens", "Must be 0 or more."));
        if (request.Logprobs is { } top && !(top >= 0 && top <= MaxLogprobs))
            return (null, Problems.Invalid("logprobs", $"Must be between 0 and {MaxLogprobs}."));

        var generation = new GenerationOptions
        {
            Prompt = prompts.MaxBy(p => p.Length)!,   // the limits' check of prompt length
            MaxLength = Math.Max(1, maxTokens),
            Temperature = request.Temperature ?? 1f,
            TopP = request.TopP ?? 1f,
            Count = request.N ?? 1,
            Seed = request.Seed ?? Random.Shared.Next(),
            Stop = stop,
        };
        var errors = GenerateApi.CheckLimits(generation, limits);
        if (errors.Count > 0)
        {
            var (field, messages) = errors.First();
            return (null, Problems.Invalid(OpenAiName(field), messages[0]));
        }
        var options = new CompletionOptions(prompts, generation with { Prompt = "" }, maxTokens, request.Logprobs, request.Echo == true,
            request.Stream == true, request.StreamOptions?.IncludeUsage == true);
        return (options, null);
    }

    /// <summary>A string or an array of strings as a list; null for anything else.</summary>
    private static List<string>? Strings(JsonElement? value)
    {
        if (value is not { } element) return null;
        if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
        if (element.ValueKind != JsonValueKind.Array) return null;
        var list = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) return null;
            list.Add(item.GetString()!);
        }
        return list;
    }

    /// <summary>/generate's field names as OpenAI spells them (stop[1] is stop).</summary>
    private static string OpenAiName(string field) => field switch
    {
        "maxLength" => "max_tokens",
        "count" => "n",
        "topP" => "top_p",
        _ when field.StartsWith("stop", StringComparison.Ordinal) => "stop",
        _ => field,
    };
}
