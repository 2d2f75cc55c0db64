using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Inference;
using RnnService.Engine.Models;

namespace RnnService.Api.Monitoring;

/// <summary>Times /predict and /generate and counts generated characters, from the handler's typed result,
/// so the handlers themselves carry no metrics code. Only successful answers are recorded here (the
/// ASP.NET Core request-duration histogram covers every status code).</summary>
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
            case Ok<GenerateResponse> { Value: { } generate }:
                metrics.Inferred("generate", TaskKind.CharLm, Stopwatch.GetElapsedTime(started));
                // Samples start with the prompt; only what the model produced counts.
                var prompt = context.Arguments.OfType<GenerateRequest>().FirstOrDefault()?.Prompt ?? "";
                metrics.CharactersGenerated(generate.Samples.Sum(s => (long)Math.Max(0, s.Length - prompt.Length)));
                break;
        }
        return result;
    }
}
