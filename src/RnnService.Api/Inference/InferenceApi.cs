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

/// <summary>Give either text or texts. explain (sentiment models): add each word's influence, the change in
/// P(positive) when that word is removed.</summary>
public sealed record PredictRequest(Guid? ModelId, string? Text, IReadOnlyList<string>? Texts, bool? Explain = null);

/// <summary>influence = P(positive | text) − P(positive | text without this word): above 0 it pushed towards positive.</summary>
public sealed record WordInfluenceResponse(int Index, string Word, double Influence);

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NextCharacterResponse>? NextCharacters = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WordInfluenceResponse>? Influences = null);

public sealed record PredictResponse(Guid ModelId, IReadOnlyList<Prediction> Predictions);

/// <summary>Sampling settings; all optional. temperature 0 = greedy, topK 0 = off, topP 1 = off;
/// without a seed a random one is drawn (and returned). maxLength and minLength count characters after the
/// prompt, prefix included; every sample starts with prompt + prefix; a sample ends before the first stop
/// string it writes (at most 4, each 1-50 characters). excludeTrainingSamples (line models): never return a line
/// of the training data; up to 5 candidates per sample are drawn.</summary>
public sealed record GenerateRequest(Guid? ModelId, string? Prompt, int? MaxLength, float? Temperature, int? TopK,
    float? TopP, int? Seed, int? Count, int? MinLength = null, string? Prefix = null, IReadOnlyList<string>? Stop = null,
    bool? ExcludeTrainingSamples = null);

/// <summary>unknownCharacters: characters of the prompt and prefix outside the model's alphabet (the model reads them as unknown);
/// rejected (with excludeTrainingSamples): candidates dropped because they were training lines.</summary>
public sealed record GenerateResponse(Guid ModelId, int Seed, IReadOnlyList<string> Samples, IReadOnlyList<string> UnknownCharacters,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Rejected = null);

public static class InferenceApi
{
    public const string RateLimitPolicy = "inference";
    public const int MaxStopStrings = 4;
    public const int MaxStopLength = 50;
    /// <summary>excludeTrainingSamples draws at most this many candidates per sample asked for.</summary>
    public const int CandidatesPerSample = 5;

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
                "explain: true (sentiment) adds each word's occlusion influence; it classifies every text once per word, and " +
                "(words + 1) × characters summed over the texts must stay within Inference:MaxPredictCharacters × " + InferenceLimits.ExplainFactor + ". " +
                "Rate limited (Inference:PermitLimit per Inference:WindowSeconds per client); 503 with Retry-After when " +
                "Inference:MaxConcurrentRequests are running; 504 past Inference:RequestTimeout.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Sample text from a char model")
            .WithDescription("Controls: minLength, maxLength, prefix (every sample starts with prompt + prefix), stop strings, excludeTrainingSamples " +
                "(line models: no line of the training data; the response counts the rejected candidates; 422 when " + CandidatesPerSample +
                " candidates per sample did not give enough new ones). " +
                "400 for a sentiment model, and when count × (prompt length + maxLength) is over " +
                "Inference:MaxGenerateCharacters. Rate limited, capped and timed out like /predict.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapScore();
        return group;
    }

    private static async Task<Results<Ok<PredictResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> PredictAsync(
        PredictRequest request, RnnDbContext db, ModelCache cache, InferenceSlots slots, HttpContext http,
        IOptions<LimitsOptions> options, IOptions<InferenceOptions> inferenceOptions, CancellationToken ct)
    {
        var inference = inferenceOptions.Value;
        if (request.ModelId is not { } modelId) return Problems.Invalid("modelId", "Required.");
        var (texts, field, invalid) = ReadTexts(request.Text, request.Texts, options.Value);
        if (invalid is not null) return invalid;
        if (InferenceLimits.CheckPredict(texts, inference) is { } tooMuch) return Problems.Invalid(field, tooMuch);
        bool explain = request.Explain == true;
        if (explain && InferenceLimits.CheckExplain(texts, inference) is { } tooMuchToExplain) return Problems.Invalid("explain", tooMuchToExplain);

        using var slot = await slots.TryEnterAsync(explain ? InferenceLimits.ExplainCharacters(texts) : InferenceLimits.PredictCharacters(texts), ct);
        if (slot is null) return InferenceLimits.Busy(http, inference);
        var model = await cache.GetAsync(modelId, db, ct);
        if (model is null) return Problems.NotFound($"No model {modelId}.");
        if (explain && model is not SentimentClassifier)
            return Problems.Invalid("explain", "Word influence needs a sentiment model; for a char model use POST /score.");
        try
        {
            var predictions = model switch
            {
                SentimentClassifier classifier when explain => classifier.Explain(texts, ct).Select(e => new Prediction(e.Classification.Text,
                    Label: e.Classification.Label == 1 ? "positive" : "negative", Probability: Finite(e.Classification.Probability),
                    UnknownWords: e.Classification.UnknownWords,
                    Influences: e.Words.Select(w => new WordInfluenceResponse(w.Index, w.Word, w.Influence)).ToList())).ToList(),
                SentimentClassifier classifier => classifier.Classify(texts, ct).Select(c => new Prediction(c.Text,
                    Label: c.Label == 1 ? "positive" : "negative", Probability: Finite(c.Probability), UnknownWords: c.UnknownWords)).ToList(),
                CharLanguageModel lm => texts.Select(t => Score(lm, t, ct)).ToList(),
                _ => throw new NotSupportedException(model.GetType().Name),
            };
            return TypedResults.Ok(new PredictResponse(modelId, predictions));
        }
        catch (ArgumentException ex)
        {
            return Problems.Invalid(field, ex.Message);
        }
    }

    private static Results<Ok<GenerateResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult> GenerateNew(
        CharLanguageModel lm, Guid modelId, GenerationOptions generation, CancellationToken ct)
    {
        var (samples, rejected, candidates) = lm.GenerateNew(generation, generation.Count * CandidatesPerSample, ct);
        if (samples.Count < generation.Count)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not enough new samples",
                detail: $"Found {samples.Count} of {generation.Count} samples that are not training lines in {candidates} candidates " +
                    $"({rejected} were training lines). Raise the temperature, ask for fewer or longer samples (minLength), or drop excludeTrainingSamples.");
        return TypedResults.Ok(new GenerateResponse(modelId, generation.Seed, samples, lm.UnknownCharacters(generation.Prompt + generation.Prefix), rejected));
    }

    /// <summary>The texts of a {text} or {texts} body, checked against the Limits; the field a problem with all of them names.</summary>
    internal static (IReadOnlyList<string> Texts, string Field, ValidationProblem? Problem) ReadTexts(string? text, IReadOnlyList<string>? texts,
        LimitsOptions limits)
    {
        if ((text is null) == (texts is null)) return ([], "text", Problems.Invalid("text", "Give either text or texts (not both)."));
        if (text is not null)
            return CheckText(text, limits) is { } problem ? ([], "text", Problems.Invalid("text", problem)) : ([text], "text", null);
        if (texts!.Count == 0) return ([], "texts", Problems.Invalid("texts", "Give at least one text."));
        if (texts.Count > limits.MaxTextsPerRequest)
            return ([], "texts", Problems.Invalid("texts", $"At most {limits.MaxTextsPerRequest} texts per request (Limits:MaxTextsPerRequest)."));
        for (var i = 0; i < texts.Count; i++)
            if (CheckText(texts[i], limits) is { } problem) return ([], "texts", Problems.Invalid($"texts[{i}]", problem));
        return (texts, "texts", null);
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
        if (request.ModelId is not { } modelId) return Problems.Invalid("modelId", "Required.");
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
        int effectiveMax = request.MaxLength ?? defaults.MaxLength;
        if (request.MinLength is { } minLength && !(minLength >= 0 && minLength <= effectiveMax))
            return Problems.Invalid("minLength", $"Must be between 0 and maxLength ({effectiveMax}).");
        if (request.Prefix is { } prefix && prefix.Length > effectiveMax)
            return Problems.Invalid("prefix", $"At most maxLength ({effectiveMax}) characters: the prefix counts towards it.");
        if (request.Stop is { } stops)
        {
            if (stops.Count > MaxStopStrings) return Problems.Invalid("stop", $"At most {MaxStopStrings} stop strings.");
            for (int i = 0; i < stops.Count; i++)
                if (string.IsNullOrEmpty(stops[i]) || stops[i].Length > MaxStopLength)
                    return Problems.Invalid($"stop[{i}]", $"Must be 1 to {MaxStopLength} characters.");
        }
        int samples = request.Count ?? defaults.Count, promptLength = request.Prompt?.Length ?? 0, length = request.MaxLength ?? defaults.MaxLength;
        if (InferenceLimits.CheckGenerate(samples, promptLength, length, inference) is { } tooMuch)
            return TypedResults.ValidationProblem(tooMuch);
        bool exclude = request.ExcludeTrainingSamples == true;
        long work = InferenceLimits.GenerateCharacters(samples, promptLength, length) * (exclude ? CandidatesPerSample : 1);
        if (exclude && work > inference.MaxGenerateCharacters)
            return Problems.Invalid("excludeTrainingSamples", $"Up to {CandidatesPerSample} candidates per sample: {CandidatesPerSample} × count × " +
                $"(prompt length + maxLength) = {work} characters; at most {inference.MaxGenerateCharacters} (Inference:MaxGenerateCharacters).");

        using var slot = await slots.TryEnterAsync(work, ct);
        if (slot is null) return InferenceLimits.Busy(http, inference);
        var model = await cache.GetAsync(modelId, db, ct);
        if (model is null) return Problems.NotFound($"No model {modelId}.");
        if (model is not CharLanguageModel lm)
            return Problems.Invalid("modelId", "This is a sentiment model; /generate needs a char (charlm) model.");
        if (exclude && lm.TrainingLines is null)
            return Problems.Invalid("excludeTrainingSamples", lm.LineMode
                ? "This model was saved without its training lines (trained before they were kept); retrain it to use this."
                : "Only line models (one sample per line) can exclude training samples.");

        var generation = new GenerationOptions
        {
            Prompt = request.Prompt ?? defaults.Prompt,
            MaxLength = request.MaxLength ?? defaults.MaxLength,
            Temperature = request.Temperature ?? defaults.Temperature,
            TopK = request.TopK ?? defaults.TopK,
            TopP = request.TopP ?? defaults.TopP,
            Seed = request.Seed ?? Random.Shared.Next(),
            Count = request.Count ?? defaults.Count,
            MinLength = request.MinLength ?? defaults.MinLength,
            Prefix = request.Prefix ?? defaults.Prefix,
            Stop = request.Stop ?? defaults.Stop,
        };
        try
        {
            generation.Validate();
            if (exclude) return GenerateNew(lm, modelId, generation, ct);
            return TypedResults.Ok(new GenerateResponse(modelId, generation.Seed, lm.Generate(generation, ct), lm.UnknownCharacters(generation.Prompt + generation.Prefix)));
        }
        catch (ArgumentException ex)
        {
            return Problems.Invalid(string.IsNullOrEmpty(ex.ParamName) ? "body" : Problems.CamelCase(ex.ParamName), ex.Message.Split(" (Parameter")[0]);
        }
    }
}
