using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>The per-request bounds of /predict and /generate (Inference:*): work budgets checked before any
/// work starts, the 503 of a full service and the 504 of a request that ran past Inference:RequestTimeout.</summary>
public static class InferenceLimits
{
    public static IServiceCollection AddInferenceLimits(this IServiceCollection services)
    {
        services.AddSingleton<InferenceSlots>();
        services.AddRequestTimeouts();
        return services;
    }

    /// <summary>count × (prompt + maxLength) characters: every sample runs the prompt and then its own steps.</summary>
    public static long GenerateCharacters(int count, int promptLength, int maxLength) => (long)count * (promptLength + maxLength);

    public static long PredictCharacters(IReadOnlyList<string> texts)
    {
        long characters = 0;
        foreach (var text in texts) characters += text.Length;
        return characters;
    }

    public static Dictionary<string, string[]>? CheckGenerate(int count, int promptLength, int maxLength, InferenceOptions options)
    {
        long characters = GenerateCharacters(count, promptLength, maxLength);
        if (characters <= options.MaxGenerateCharacters) return null;
        var message = $"count × (prompt length + maxLength) = {count} × ({promptLength} + {maxLength}) = {characters} characters; " +
            $"at most {options.MaxGenerateCharacters} per request (Inference:MaxGenerateCharacters).";
        var errors = new Dictionary<string, string[]> { ["count"] = [message], ["maxLength"] = [message] };
        if (promptLength > 0) errors["prompt"] = [message];
        return errors;
    }

    public static string? CheckPredict(IReadOnlyList<string> texts, InferenceOptions options)
    {
        long characters = PredictCharacters(texts);
        return characters <= options.MaxPredictCharacters ? null
            : $"{characters} characters in all; at most {options.MaxPredictCharacters} per request (Inference:MaxPredictCharacters).";
    }

    /// <summary>
    /// How far explain may exceed the plain budget: it classifies n + 1 variants of an n-word text, but in
    /// batches of 64 through one pass each, so its time grows far slower than its character count.
    /// </summary>
    public const int ExplainFactor = 32;

    /// <summary>Σ (words + 1) × characters: every text is classified again once per word.</summary>
    public static long ExplainCharacters(IReadOnlyList<string> texts)
    {
        long characters = 0;
        foreach (var text in texts) characters += SentimentClassifier.ExplainSequences([text]) * text.Length;
        return characters;
    }

    public static string? CheckExplain(IReadOnlyList<string> texts, InferenceOptions options)
    {
        long characters = ExplainCharacters(texts), allowed = (long)options.MaxPredictCharacters * ExplainFactor;
        return characters <= allowed ? null
            : $"(words + 1) × characters = {characters} in all; at most {allowed} per explained request " +
              $"(Inference:MaxPredictCharacters × {ExplainFactor}). Explain fewer or shorter texts.";
    }

    /// <summary>503 with Retry-After: every slot stayed busy for the whole queue wait.</summary>
    public static ProblemHttpResult Busy(HttpContext http, InferenceOptions options)
    {
        var retryAfter = Math.Max(1, options.BusyRetryAfterSeconds);
        http.Response.Headers.RetryAfter = retryAfter.ToString();
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Inference is busy",
            detail: $"All {http.RequestServices.GetRequiredService<InferenceSlots>().Limit} inference slots stayed busy for " +
                $"{options.QueueWait.TotalSeconds:0.###} s (Inference:MaxConcurrentRequests, Inference:QueueWait). Retry after {retryAfter} s.");
    }

    /// <summary>
    /// 504, not 503: the request was admitted and its own work took too long, so retrying it unchanged is
    /// likely to time out again (ask for less); 503 stays the answer that means "full now, come back".
    /// </summary>
    public static RequestTimeoutPolicy TimeoutPolicy(TimeSpan timeout) => new()
    {
        Timeout = timeout,
        TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        WriteTimeoutResponse = http => http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status504GatewayTimeout,
                Title = "Inference timed out",
                Detail = $"The request did not finish within {timeout.TotalSeconds:0.###} s (Inference:RequestTimeout) and its work was stopped. " +
                    "Ask for less (a smaller count or maxLength, fewer or shorter texts) or retry when the service is less busy.",
            },
        }).AsTask(),
    };
}
