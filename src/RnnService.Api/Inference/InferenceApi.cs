using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Models;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>Give either text or texts, and either modelId or model (an id, name, name@version or name@alias).</summary>
public sealed record PredictRequest(Guid? ModelId, string? Text, IReadOnlyList<string>? Texts, string? Model = null);

/// <summary>A character and its probability of coming next.</summary>
public sealed record NextCharacterResponse(string Character, double Probability);

/// <summary>Sentiment models fill label, probability (of positive) and unknownWords; char models fill
/// perplexity (per character, end marker included for line models) and the top 10 nextCharacters.</summary>
public sealed record Prediction(
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Probability = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? UnknownWords = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Perplexity = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NextCharacterResponse>? NextCharacters = null);

public sealed record PredictResponse(Guid ModelId, IReadOnlyList<Prediction> Predictions);

/// <summary>Sampling settings; all optional. temperature 0 = greedy, topK 0 = off, topP 1 = off;
/// without a seed a random one is drawn (and returned). Give either modelId or model (an id, name, name@version or name@alias).</summary>
public sealed record GenerateRequest(Guid? ModelId, string? Prompt, int? MaxLength, float? Temperature, int? TopK,
    float? TopP, int? Seed, int? Count, string? Model = null);

public sealed record GenerateResponse(Guid ModelId, int Seed, IReadOnlyList<string> Samples);

public static class InferenceApi
{
    public const string RateLimitPolicy = "inference";

    public static RouteGroupBuilder MapInference(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Inference")
            .RequireRateLimiting(RateLimitPolicy)
            .AddEndpointFilter<InferenceMetricsFilter>();
        var timeout = app.ServiceProvider.GetRequiredService<IOptions<InferenceOptions>>().Value.RequestTimeout;
        if (timeout > TimeSpan.Zero) group.WithRequestTimeout(InferenceLimits.TimeoutPolicy(timeout));

        group.MapPost("/predict", PredictAsync)
            .WithName("Predict")
            .WithSummary("Classify texts (sentiment model) or score them (char model)")
            .WithDescription("Body {modelId, text} or {modelId, texts: [...]}; at most Inference:MaxPredictCharacters characters in all. " +
                "Rate limited (Inference:PermitLimit per Inference:WindowSeconds per client); 503 with Retry-After when " +
                "Inference:MaxConcurrentRequests are running; 504 past Inference:RequestTimeout.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Sample text from a char model")
            .WithDescription("400 for a sentiment model, and when count × (prompt length + maxLength) is over " +
                "Inference:MaxGenerateCharacters. Rate limited, capped and timed out like /predict.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        return group;
    }

    private static async Task<Results<Ok<PredictResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> PredictAsync(
        PredictRequest request, RnnDbContext db, ModelCache cache, InferenceSlots slots, HttpContext http,
        IOptions<LimitsOptions> options, IOptions<InferenceOptions> inferenceOptions, CancellationToken ct)
    {
        var limits = options.Value;
        var inference = inferenceOptions.Value;
        var lookup = await ModelResolver.ResolveAsync(db, request.ModelId, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;
        if ((request.Text is null) == (request.Texts is null)) return Problems.Invalid("text", "Give either text or texts (not both).");
        IReadOnlyList<string> texts;
        if (request.Text is { } text)
        {
            if (CheckText(text, limits) is { } problem) return Problems.Invalid("text", problem);
            texts = [text];
        }
        else
        {
            texts = request.Texts!;
            if (texts.Count == 0) return Problems.Invalid("texts", "Give at least one text.");
            if (texts.Count > limits.MaxTextsPerRequest) return Problems.Invalid("texts", $"At most {limits.MaxTextsPerRequest} texts per request (Limits:MaxTextsPerRequest).");
            for (var i = 0; i < texts.Count; i++)
                if (CheckText(texts[i], limits) is { } problem) return Problems.Invalid($"texts[{i}]", problem);
        }
        if (InferenceLimits.CheckPredict(texts, inference) is { } tooMuch) return Problems.Invalid(request.Text is null ? "texts" : "text", tooMuch);

        using var slot = await slots.TryEnterAsync(InferenceLimits.PredictCharacters(texts), ct);
        if (slot is null) return InferenceLimits.Busy(http, inference);
        var model = await cache.GetAsync(modelId, db, ct);
        if (model is null) return Problems.NotFound($"No model {modelId}.");
        try
        {
            var predictions = model switch
            {
                SentimentClassifier classifier => classifier.Classify(texts, ct).Select(c => new Prediction(c.Text,
                    Label: c.Label == 1 ? "positive" : "negative", Probability: Finite(c.Probability), UnknownWords: c.UnknownWords)).ToList(),
                CharLanguageModel lm => texts.Select(t => Score(lm, t, ct)).ToList(),
                _ => throw new NotSupportedException(model.GetType().Name),
            };
            return TypedResults.Ok(new PredictResponse(modelId, predictions));
        }
        catch (ArgumentException ex)
        {
            return Problems.Invalid(request.Text is null ? "texts" : "text", ex.Message);
        }
    }

    // One text at a time, so an abandoned or timed-out batch stops between texts.
    private static Prediction Score(CharLanguageModel lm, string text, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return new Prediction(text, Perplexity: Finite(lm.Perplexity(text)),
            NextCharacters: lm.NextCharacters(text, 10).Select(n => new NextCharacterResponse(n.Character, Finite(n.Probability) ?? 0)).ToList());
    }

    private static string? CheckText(string? text, LimitsOptions limits) =>
        string.IsNullOrWhiteSpace(text) ? "Must not be empty."
        : text.Length > limits.MaxTextLength ? $"At most {limits.MaxTextLength} characters (Limits:MaxTextLength)."
        : null;

    // JSON has no NaN or Infinity (an unseen character can make a perplexity infinite): those become null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static async Task<Results<Ok<GenerateResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> GenerateAsync(
        GenerateRequest request, RnnDbContext db, ModelCache cache, InferenceSlots slots, HttpContext http,
        IOptions<LimitsOptions> options, IOptions<InferenceOptions> inferenceOptions, CancellationToken ct)
    {
        var limits = options.Value;
        var inference = inferenceOptions.Value;
        var lookup = await ModelResolver.ResolveAsync(db, request.ModelId, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;
        if (request.Prompt is { } prompt && prompt.Length > limits.MaxTextLength)
            return Problems.Invalid("prompt", $"At most {limits.MaxTextLength} characters (Limits:MaxTextLength).");
        if (request.MaxLength is { } maxLength && !(maxLength >= 1 && maxLength <= limits.MaxGenerateLength))
            return Problems.Invalid("maxLength", $"Must be between 1 and {limits.MaxGenerateLength}.");
        if (request.Count is { } count && !(count >= 1 && count <= limits.MaxGenerateCount))
            return Problems.Invalid("count", $"Must be between 1 and {limits.MaxGenerateCount}.");
        if (request.Temperature is { } temperature && !(temperature >= 0 && temperature <= limits.MaxTemperature))
            return Problems.Invalid("temperature", $"Must be between 0 and {limits.MaxTemperature}.");
        if (request.TopK is < 0) return Problems.Invalid("topK", "Must be 0 (off) or more.");
        if (request.TopP is { } topP && !(topP > 0 && topP <= 1)) return Problems.Invalid("topP", "Must be in (0, 1].");
        var defaults = new GenerationOptions();
        int samples = request.Count ?? defaults.Count, promptLength = request.Prompt?.Length ?? 0, length = request.MaxLength ?? defaults.MaxLength;
        if (InferenceLimits.CheckGenerate(samples, promptLength, length, inference) is { } tooMuch)
            return TypedResults.ValidationProblem(tooMuch);

        using var slot = await slots.TryEnterAsync(InferenceLimits.GenerateCharacters(samples, promptLength, length), ct);
        if (slot is null) return InferenceLimits.Busy(http, inference);
        var model = await cache.GetAsync(modelId, db, ct);
        if (model is null) return Problems.NotFound($"No model {modelId}.");
        if (model is not CharLanguageModel lm)
            return Problems.Invalid("modelId", "This is a sentiment model; /generate needs a char (charlm) model.");

        var generation = new GenerationOptions
        {
            Prompt = request.Prompt ?? defaults.Prompt,
            MaxLength = request.MaxLength ?? defaults.MaxLength,
            Temperature = request.Temperature ?? defaults.Temperature,
            TopK = request.TopK ?? defaults.TopK,
            TopP = request.TopP ?? defaults.TopP,
            Seed = request.Seed ?? Random.Shared.Next(),
            Count = request.Count ?? defaults.Count,
        };
        try
        {
            generation.Validate();
            return TypedResults.Ok(new GenerateResponse(modelId, generation.Seed, lm.Generate(generation, ct)));
        }
        catch (ArgumentException ex)
        {
            return Problems.Invalid(string.IsNullOrEmpty(ex.ParamName) ? "body" : Problems.CamelCase(ex.ParamName), ex.Message.Split(" (Parameter")[0]);
        }
    }
}
