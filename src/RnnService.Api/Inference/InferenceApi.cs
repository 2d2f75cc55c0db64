using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RnnService.Api.Infrastructure;
using RnnService.Api.Monitoring;
using RnnService.Api.Registry;
using RnnService.Api.Security;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>Give either text or texts, and either modelId or model (an id, name, name@version or name@alias).</summary>
/// <example>{"model": "reviews", "texts": ["a wonderful film", "dull and far too long"]}</example>
/// <param name="ModelId">The model's id. Either this or model.</param>
/// <param name="Text">One text to classify or score. Either this or texts.</param>
/// <param name="Texts">Several texts, answered in order (at most Limits:MaxTextsPerRequest). Either this or text.</param>
/// <param name="Explain">Sentiment models: add each word's influence, the change in P(positive) when that word is removed.</param>
/// <param name="Model">A model reference: an id, name, name@version or name@alias. Either this or modelId.</param>
[ExactlyOneOf(nameof(PredictRequest.Text), nameof(PredictRequest.Texts)), ExactlyOneOf(nameof(PredictRequest.ModelId), nameof(PredictRequest.Model))]
public sealed record PredictRequest(Guid? ModelId, string? Text, IReadOnlyList<string>? Texts, bool? Explain = null, string? Model = null)
    : IRequestDefaults<PredictRequest>
{
    public static PredictRequest Defaults { get; } = new(null, null, null, Explain: false);
}

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

/// <summary>One prediction per text, in the request's order.</summary>
/// <example>{"modelId": "3f2b8c1e-5d4a-4e7b-9c2d-1a6f0e8b7c45", "predictions": [{"text": "a wonderful film", "label": "positive",
/// "probability": 0.93, "unknownWords": []}]}</example>
public sealed record PredictResponse(Guid ModelId, IReadOnlyList<Prediction> Predictions);

public static class InferenceApi
{
    public const string RateLimitPolicy = "inference";

    public static RouteGroupBuilder MapInference(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Inference").WithInferenceLimits(app)
            .OpenWithPublicReads()
            .AddEndpointFilter<InferenceMetricsFilter>();

        group.MapPost("/predict", PredictAsync)
            .WithName("Predict")
            .WithSummary("Classify texts (sentiment model) or score them (char model)")
            .WithDescription("Body {model, text} or {model, texts: [...]} (model any model reference, or modelId an id); the steps (words of a sentiment model, characters of a " +
                "char model) × the model's multiply-adds per step must stay within Inference:MaxRequestWork. " +
                "explain: true (sentiment) adds each word's occlusion influence; it classifies every text once per word, so it counts " +
                "(words + 1) × words steps per text. " +
                "Rate limited (Inference:PermitLimit per Inference:WindowSeconds per client); 503 with Retry-After when " +
                "Inference:MaxConcurrentRequests are running; 504 past Inference:RequestTimeout.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapGenerate();
        group.MapScore();
        return group;
    }

    private static async Task<Results<Ok<PredictResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> PredictAsync(
        PredictRequest request, [AsParameters] InferenceServices services, CancellationToken ct)
    {
        var lookup = await services.ResolveAsync(request.ModelId, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;
        var (texts, field, invalid) = ReadTexts(request.Text, request.Texts, services.Limits);
        if (invalid is not null) return invalid;
        bool explain = request.Explain ?? PredictRequest.Defaults.Explain!.Value;

        return await services.RunAsync<RnnModel, PredictResponse>(modelId, model => InferenceLimits.PredictSteps(texts, field, model, explain),
            ModelResolver.FieldOf(request.Model), "", async Task<Results<Ok<PredictResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> (model) =>
        {
            if (explain && model is not SentimentClassifier)
                return Problems.Invalid("explain", "Word influence needs a sentiment model; for a char model use POST /score.");
            if (model is CharLanguageModel charModel && texts.Select(charModel.TextError).FirstOrDefault(e => e is not null) is { } tooShort)
                return Problems.Invalid(field, tooShort);
            var predictions = model switch
            {
                SentimentClassifier when explain => (await services.Runner.ReadAsync(model, Explanations, texts, ct)).Select(e => Labelled(e.Classification)
                    with { Influences = e.Words.Select(w => new WordInfluenceResponse(w.Index, w.Word, w.Influence)).ToList() }).ToList(),
                SentimentClassifier => (await services.Runner.ReadAsync(model, Classifications, texts, ct)).Select(Labelled).ToList(),
                CharLanguageModel => (await services.Runner.ReadAsync(model, CharPredictions, texts, ct)).Zip(texts, (p, text) => new Prediction(text,
                    Perplexity: Finite(p.Perplexity), NextCharacters: p.NextCharacters.Select(n => new NextCharacterResponse(n.Character, Finite(n.Probability) ?? 0)).ToList())).ToList(),
                _ => throw new NotSupportedException(model.GetType().Name),
            };
            return TypedResults.Ok(new PredictResponse(modelId, predictions));
        }, ct);
    }

    // The engine reads of /predict, one batch per kind when requests share a batcher.
    private static readonly BatchedRead<Classification> Classifications = new((model, texts) => ((SentimentClassifier)model).Classify(texts));
    private static readonly BatchedRead<Explanation> Explanations = new((model, texts) => ((SentimentClassifier)model).Explain(texts));
    private static readonly BatchedRead<TextPrediction> CharPredictions = new((model, texts) => ((CharLanguageModel)model).Predict(texts, top: 10));

    private static Prediction Labelled(Classification c) => new(c.Text, Label: c.Label == 1 ? "positive" : "negative",
        Probability: Finite(c.Probability), UnknownWords: c.UnknownWords);

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

    private static string? CheckText(string? text, LimitsOptions limits) =>
        string.IsNullOrWhiteSpace(text) ? "Must not be empty."
        : text.Length > limits.MaxTextLength ? $"At most {limits.MaxTextLength} characters (Limits:MaxTextLength)."
        : null;

    // JSON has no NaN or Infinity (an unseen character can make a perplexity infinite): those become null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

}
