using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>Give either text or texts, and either modelId or model (an id, name, name@version or name@alias);
/// top (1-20, default 5) alternatives per position.</summary>
public sealed record ScoreRequest(Guid? ModelId, string? Text, IReadOnlyList<string>? Texts, int? Top, string? Model = null);

/// <summary>One position: the character there ("&lt;eos&gt;" for a line model's end marker), its probability
/// given what precedes it, its surprisal −log2 p in bits (both null outside the alphabet) and the top alternatives.</summary>
public sealed record CharacterScoreResponse(int Index, string Character, double? Probability, double? Surprisal,
    IReadOnlyList<NextCharacterResponse> Alternatives);

/// <summary>totalSurprisal sums the scored characters' surprisal (bits; characters outside the alphabet are left
/// out and listed in unknownCharacters); bitsPerCharacter is its mean over those characters.</summary>
public sealed record TextScore(string Text, IReadOnlyList<CharacterScoreResponse> Characters, double TotalSurprisal,
    double? BitsPerCharacter, IReadOnlyList<string> UnknownCharacters);

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
            request.Model is null ? "modelId" : "model", "This is a sentiment model; /score needs a char (charlm) model.", lm =>
            {
                for (int i = 0; i < texts.Count; i++)
                    if (lm.TextError(texts[i]) is { } error) return Problems.Invalid(request.Text is null ? $"texts[{i}]" : "text", error);
                return TypedResults.Ok(new ScoreResponse(modelId, texts.Select(t => Score(lm, t, request.Top ?? 5, ct)).ToList()));
            }, ct);
    }

    private static TextScore Score(CharLanguageModel lm, string text, int top, CancellationToken ct)
    {
        var positions = lm.Score(text, top, ct);
        double total = 0;
        int scored = 0;
        var characters = new List<CharacterScoreResponse>(positions.Count);
        foreach (var p in positions)
        {
            double? surprisal = p.Probability is { } prob ? -Math.Log2(prob) : null;
            if (surprisal is { } s && double.IsFinite(s)) { total += s; scored++; }
            characters.Add(new CharacterScoreResponse(p.Index, p.Character, p.Probability,
                surprisal is { } bits && double.IsFinite(bits) ? bits : null,
                p.Alternatives.Select(a => new NextCharacterResponse(a.Character, a.Probability)).ToList()));
        }
        return new TextScore(text, characters, total, scored > 0 ? total / scored : null, lm.UnknownCharacters(text));
    }
}
