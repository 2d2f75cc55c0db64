using Microsoft.Extensions.Options;
using RnnService.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;

namespace RnnService.Api.Inference;

/// <summary>The per-request bounds of /predict, /generate and /score (Inference:*): the work budget (steps × the
/// model's multiply-adds per step) checked before any work starts, the 503 of a full service and the 504 of a
/// request that ran past Inference:RequestTimeout.</summary>
public static class InferenceLimits
{
    public static IServiceCollection AddInferenceLimits(this IServiceCollection services)
    {
        services.AddSingleton<InferenceSlots>();
        services.AddSingleton<InferenceRunner>();
        services.AddRequestTimeouts();
        return services;
    }

    /// <summary>The per-client rate limit and Inference:RequestTimeout, on every group of inference endpoints.</summary>
    public static RouteGroupBuilder WithInferenceLimits(this RouteGroupBuilder group, IEndpointRouteBuilder app)
    {
        group.RequireRateLimiting(InferenceApi.RateLimitPolicy);
        group.WithMetadata(new StreamsBoundByInferenceSlots());
        var timeout = app.ServiceProvider.GetRequiredService<IOptions<InferenceOptions>>().Value.RequestTimeout;
        if (timeout > TimeSpan.Zero) group.WithRequestTimeout(TimeoutPolicy(timeout));
        return group;
    }

    /// <summary>The old character budgets, replaced by Inference:MaxRequestWork: refused at start rather than ignored,
    /// so a deployment that set them learns that its limit changed meaning.</summary>
    private static readonly string[] RetiredSettings = ["Inference:MaxGenerateCharacters", "Inference:MaxPredictCharacters"];

    public static void RefuseRetiredSettings(IConfiguration configuration)
    {
        foreach (var key in RetiredSettings)
            if (configuration[key] is not null)
                throw new InvalidOperationException($"{key} is no longer read: inference requests are bounded by their work, " +
                    "Inference:MaxRequestWork (multiply-adds; see the README's limits table). Remove the setting, and set that one " +
                    "instead if you need another limit.");
    }

    /// <summary>/generate: every sample runs the prompt and then its own steps, each of up to
    /// <paramref name="candidates"/> candidates (excludeTrainingSamples) as many again.</summary>
    public static RequestSteps GenerateSteps(int count, int promptLength, int maxLength, int candidates)
    {
        long perSample = (long)promptLength + maxLength;
        var fields = new List<string> { "count", "maxLength" };
        if (promptLength > 0) fields.Add("prompt");
        if (candidates > 1) fields.Add("excludeTrainingSamples");
        var described = candidates > 1 ? $"{count} samples × {candidates} candidates × {perSample} steps" : $"{count} samples × {perSample} steps";
        var reduce = "ask for fewer samples or a shorter maxLength" + (promptLength > 0 ? ", or send a shorter prompt" : "") +
            (candidates > 1 ? ", or leave out excludeTrainingSamples" : "");
        return new RequestSteps(count * perSample * candidates, described, reduce, fields);
    }

    /// <summary>/predict and /score: one step per word of a sentiment model, per character of a char model (one pass gives
    /// /predict both the perplexity and the next characters); with explain, a sentiment model classifies every text once whole
    /// and once without each word.</summary>
    public static RequestSteps PredictSteps(IReadOnlyList<string> texts, string field, RnnModel model, bool explain)
    {
        bool words = model is SentimentClassifier;
        long tokens = 0, steps = 0;
        foreach (var text in texts)
        {
            long length = words ? WordTokenizer.SplitWords(text).Count : text.Length;
            tokens += length;
            steps += explain && words ? (length + 1) * length : length;
        }
        var counted = texts.Count == 1 ? "1 text" : $"{texts.Count} texts";
        if (explain && words)
            return new RequestSteps(steps, $"{counted} explained, Σ (words + 1) × words = {steps} steps", "explain fewer or shorter texts",
                ["explain", field]);
        var described = $"{counted} of {tokens} {(words ? "words" : "characters")} in all";
        return new RequestSteps(steps, $"{described} = {steps} steps", "send fewer or shorter texts", [field]);
    }

    /// <summary>400 naming the fields to reduce when <paramref name="steps"/> on <paramref name="model"/> is over
    /// Inference:MaxRequestWork; null when it fits.</summary>
    public static ValidationProblem? CheckWork(RequestSteps steps, RnnModel model, InferenceOptions options)
    {
        long perStep = model.MultiplyAddsPerStep, work = steps.Steps * perStep;
        if (work <= options.MaxRequestWork) return null;
        var message = $"{steps.Described} on a model of {Quantity(perStep)} multiply-adds per step = {Quantity(work)} ({work}); " +
            $"at most {Quantity(options.MaxRequestWork)} ({options.MaxRequestWork}, Inference:MaxRequestWork): {steps.Reduce}.";
        return TypedResults.ValidationProblem(steps.Fields.ToDictionary(f => f, _ => new[] { message }));
    }

    /// <summary>A count in k, M or G, with at most two decimals.</summary>
    public static string Quantity(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##} G",
        >= 1_000_000 => $"{n / 1e6:0.##} M",
        >= 1_000 => $"{n / 1e3:0.##} k",
        _ => n.ToString(),
    };

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

/// <summary>The steps an inference request runs, how to say them, what to reduce, and the fields a 400 names.</summary>
public sealed record RequestSteps(long Steps, string Described, string Reduce, IReadOnlyList<string> Fields);
