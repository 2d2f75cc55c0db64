using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Infrastructure;
using RnnService.Api.Registry;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>Give either text or texts, and either modelId or model (an id, name, name@version or name@alias).</summary>
/// <example>{"model": "names", "text": "anna", "top": 3}</example>
/// <param name="ModelId">The char model's id. Either this or model.</param>
/// <param name="Text">One text to score. Either this or texts.</param>
/// <param name="Texts">Several texts, answered in order. Either this or text.</param>
/// <param name="Top">Alternatives listed per position, 1 to 20.</param>
/// <param name="Model">A model reference: an id, name, name@version or name@alias. Either this or modelId.</param>
[ExactlyOneOf(nameof(ScoreRequest.Text), nameof(ScoreRequest.Texts)), ExactlyOneOf(nameof(ScoreRequest.ModelId), nameof(ScoreRequest.Model))]
public sealed record ScoreRequest(Guid? ModelId, string? Text, IReadOnlyList<string>? Texts, int? Top, string? Model = null)
    : IRequestDefaults<ScoreRequest>
{
    public static ScoreRequest Defaults { get; } = new(null, null, null, Top: 5);
}

/// <summary>One position: the character there ("&lt;eos&gt;" for a line model's end marker), its probability
/// given what precedes it, its surprisal −log2 p in bits (both null outside the alphabet) and the top alternatives.</summary>
public sealed record CharacterScoreResponse(int Index, string Character, double? Probability, double? Surprisal,
    IReadOnlyList<NextCharacterResponse> Alternatives);

/// <summary>totalSurprisal sums the scored characters' surprisal (bits; characters outside the alphabet are left
/// out and listed in unknownCharacters); bitsPerCharacter is its mean over those characters.</summary>
public sealed record TextScore(string Text, IReadOnlyList<CharacterScoreResponse> Characters, double TotalSurprisal,
    double? BitsPerCharacter, IReadOnlyList<string> UnknownCharacters);

/// <summary>One score per text, in the request's order.</summary>
/// <example>{"modelId": "3f2b8c1e-5d4a-4e7b-9c2d-1a6f0e8b7c45", "scores": [{"text": "al", "characters": [{"index": 0, "character": "a",
/// "probability": 0.11, "surprisal": 3.18, "alternatives": [{"character": "m", "probability": 0.12}]}, {"index": 1, "character": "l",
/// "probability": 0.09, "surprisal": 3.47, "alternatives": [{"character": "n", "probability": 0.15}]}, {"index": 2, "character": "&lt;eos&gt;",
/// "probability": 0.02, "surprisal": 5.64, "alternatives": [{"character": "e", "probability": 0.21}]}], "totalSurprisal": 12.29,
/// "bitsPerCharacter": 4.1, "unknownCharacters": []}]}</example>
public sealed record ScoreResponse(Guid ModelId, IReadOnlyList<TextScore> Scores);

/// <summary>POST /score: how surprised a char model is by each character of a text.</summary>
public static class ScoreApi
{
    public const int MaxTop = 20;

    public static void MapScore(this RouteGroupBuilder group) =>
        group.MapPost("/score", ScoreAsync)
            .WithName("Score")
            .WithSummary("Score every character of texts under a char model: probability, surprisal, alternatives")
            .WithDescription("Body {model, text} or {model, texts: [...]} (model any model reference, or modelId an id), optional top (alternatives per position, 1-20, " +
                "default 5). Line models score every character and the end marker; continuous models every character after " +
                "the first. 400 for a sentiment model. Limited, capped and timed out like /predict.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    private static async Task<Results<Ok<ScoreResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> ScoreAsync(
        ScoreRequest request, [AsParameters] InferenceServices services, CancellationToken ct)
    {
        // The cheap checks first: a name in the reference costs a query.
        if (request.Top is { } top && !(top >= 1 && top <= MaxTop)) return Problems.Invalid("top", $"Must be between 1 and {MaxTop}.");
        var lookup = await services.ResolveAsync(request.ModelId, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;
        var (texts, field, invalid) = InferenceApi.ReadTexts(request.Text, request.Texts, services.Limits);
        if (invalid is not null) return invalid;

        return await services.RunAsync<CharLanguageModel, ScoreResponse>(modelId, lm => InferenceLimits.PredictSteps(texts, field, lm, explain: false),
            ModelResolver.FieldOf(request.Model), "This is a sentiment model; /score needs a char (charlm) model.",
            async Task<Results<Ok<ScoreResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> (lm) =>
            {
                for (int i = 0; i < texts.Count; i++)
                    if (lm.TextError(texts[i]) is { } error) return Problems.Invalid(request.Text is null ? $"texts[{i}]" : "text", error);
                var scores = await services.Runner.ReadAsync(lm, Scores, texts, ct);
                int top = request.Top ?? ScoreRequest.Defaults.Top!.Value;
                return TypedResults.Ok(new ScoreResponse(modelId, texts.Zip(scores, (text, positions) => Score(lm, text, positions, top)).ToList()));
            }, ct);
    }

    // Read with the most alternatives any request may ask for, so requests of every top share a batch; each keeps its own top
    // (/v1/completions' echoed prompts too: its logprobs are 0 to 20 as well).
    internal static readonly BatchedRead<IReadOnlyList<ScoredCharacter>> Scores = new((model, texts) => ((CharLanguageModel)model).Score(texts, MaxTop));

    private static TextScore Score(CharLanguageModel lm, string text, IReadOnlyList<ScoredCharacter> positions, int top)
    {
        double total = 0;
        int scored = 0;
        var characters = new List<CharacterScoreResponse>(positions.Count);
        foreach (var p in positions)
        {
            double? surprisal = p.Probability is { } prob ? -Math.Log2(prob) : null;
            if (surprisal is { } s && double.IsFinite(s)) { total += s; scored++; }
            characters.Add(new CharacterScoreResponse(p.Index, p.Character, p.Probability,
                surprisal is { } bits && double.IsFinite(bits) ? bits : null,
                p.Alternatives.Take(top).Select(a => new NextCharacterResponse(a.Character, a.Probability)).ToList()));
        }
        return new TextScore(text, characters, total, scored > 0 ? total / scored : null, lm.UnknownCharacters(text));
    }
}
