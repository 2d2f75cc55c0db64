using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Inference;
using RnnService.Api.OpenAi;
using RnnService.Engine.Models;

namespace RnnService.Api.Monitoring;

/// <summary>Times /predict, /score, /generate and /v1/completions and counts generated characters, from the handler's typed
/// result, so the handlers themselves carry no metrics code. Only successful answers are recorded here (the ASP.NET Core
/// request-duration histogram covers every status code); a streamed answer is recorded by its stream when it ends
/// (<see cref="GenerateStream"/>, <see cref="Completion"/>), since here it has only begun.</summary>
public sealed class InferenceMetricsFilter(RnnMetrics metrics) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await next(context);
        switch (result is INestedHttpResult nested ? nested.Result : result)
        {
            case Ok<PredictResponse> { Value: { } predict }:
                // Sentiment predictions carry a label, char-model ones a perplexity; a request uses one model.
                var task = predict.Predictions.Count > 0 && predict.Predictions[0].Label is null ? TaskKind.CharLm : TaskKind.Sentiment;
                metrics.Inferred("predict", task, Stopwatch.GetElapsedTime(started));
                break;
            case Ok<ScoreResponse>:
                metrics.Inferred("score", TaskKind.CharLm, Stopwatch.GetElapsedTime(started));
                break;
            case Ok<GenerateResponse> { Value: { } generate }:
                // Samples start with the prompt; only what the model produced counts.
                var prompt = context.Arguments.OfType<GenerateRequest>().FirstOrDefault()?.Prompt ?? "";
                metrics.Generated("generate", generate.Samples.Sum(s => (long)Math.Max(0, s.Length - prompt.Length)), Stopwatch.GetElapsedTime(started));
                break;
            case JsonHttpResult<CompletionResponse> { Value: { Usage: { } usage } }:
                metrics.Generated("completions", usage.CompletionTokens, Stopwatch.GetElapsedTime(started));
                break;
        }
        return result;
    }
}
