using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Api.Security;
using RnnService.Api.Infrastructure;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.OpenAi;

/// <summary>POST /v1/completions and GET /v1/models, so OpenAI's client libraries and evaluation harnesses can use the char
/// models. Limited, capped and timed out like /generate (the same rate limit, work budget, slots and timeout); errors in
/// OpenAI's shape (<see cref="OpenAiErrorWriter"/>). Keyed like the other inference endpoints (open under Auth:PublicReads):
/// the 'Authorization: Bearer' header OpenAI's clients send carries the key.</summary>
public static class CompletionsApi
{
    public const string Prefix = "/v1";
    public const int DefaultMaxTokens = 16;

    public static RouteGroupBuilder MapOpenAiCompletions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix).WithTags("OpenAI-compatible").WithInferenceLimits(app).OpenWithPublicReads()
            .AddEndpointFilter<InferenceMetricsFilter>();

        group.MapPost("/completions", CompleteAsync)
            .WithName("CreateCompletion")
            .WithSummary("OpenAI-compatible (legacy) completions from a char model; characters are the tokens")
            .WithDescription("Body as OpenAI's Completions API: model (any model reference), prompt (string or array of strings), " +
                "max_tokens (default 16; 0 with echo scores the prompt alone), temperature, top_p, n, stop, seed, logprobs (0-20 " +
                "alternatives per character, natural log), echo, stream (data: chunks, then data: [DONE]; stream_options.include_usage " +
                "adds a last chunk with the usage). Usage counts characters. Errors are {\"error\": {message, type, param, code}}.")
            .Accepts<CompletionRequest>("application/json")
            .Produces<CompletionResponse>()
            .Produces<OpenAiError>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiError>(StatusCodes.Status404NotFound)
            .Produces<OpenAiError>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiError>(StatusCodes.Status503ServiceUnavailable)
            .Produces<OpenAiError>(StatusCodes.Status504GatewayTimeout);
        group.MapGet("/models", ListModelsAsync)
            .WithName("ListOpenAiModels")
            .WithSummary("The char models, as OpenAI's model list; id is the reference to send as model")
            .Produces<ModelList>()
            .Produces<OpenAiError>(StatusCodes.Status429TooManyRequests);
        return group;
    }

    private static async Task<IResult> CompleteAsync(HttpContext http, [AsParameters] InferenceServices services, CancellationToken ct)
    {
        var request = await ReadAsync(http, ct);
        var (options, invalid) = CompletionOptions.Read(request, services.Limits);
        if (invalid is not null) return invalid;
        var lookup = await services.ResolveAsync(null, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;

        var admission = await services.AdmitAsync<CharLanguageModel>(modelId, _ => options!.Steps(), "model",
            "This is a sentiment model; /v1/completions needs a char (charlm) model.", ct);
        if (admission.Problem is not null) return admission.Problem;
        var lm = admission.Model!;
        var problem = options.MaxTokens == 0 ? null
            : options!.Prompts.Select((p, i) => lm.PromptError(p) is { } e ? Problems.Invalid(options.Prompts.Count > 1 ? $"prompt[{i}]" : "prompt", e) : null)
                .FirstOrDefault(e => e is not null);
        if (problem is not null)
        {
            admission.Dispose();
            return problem;
        }
        var completion = new Completion(lm, request.Model!, options!);
        if (options.Stream) return TypedResults.ServerSentEvents(completion.StreamAsync(admission, services.Runner, services.Metrics, ct));
        using (admission) return TypedResults.Json(await completion.RunAsync(services.Runner, ct), OpenAiJson.Options);
    }

    /// <summary>The body in OpenAI's snake_case; malformed JSON is a 400 naming the field, as everywhere.</summary>
    private static async Task<CompletionRequest> ReadAsync(HttpContext http, CancellationToken ct)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<CompletionRequest>(http.Request.Body, OpenAiJson.Options, ct)
                ?? throw new BadHttpRequestException("The body must be a JSON object.");
        }
        catch (JsonException json)
        {
            throw new BadHttpRequestException("The request body is not valid JSON for this endpoint.", json);
        }
    }

    private static async Task<JsonHttpResult<ModelList>> ListModelsAsync(RnnDbContext db, CancellationToken ct)
    {
        var models = await db.Models.AsNoTracking().Where(m => m.Task == TaskKind.CharLm)
            .OrderBy(m => m.CreatedAt).Select(m => new { m.Id, m.Name, m.Version, m.CreatedAt }).ToListAsync(ct);
        return TypedResults.Json(new ModelList("list", models.Select(m => new ModelCard(
            m.Name is not null && m.Version is not null ? $"{m.Name}@{m.Version}" : m.Id.ToString(), "model",
            new DateTimeOffset(DateTime.SpecifyKind(m.CreatedAt, DateTimeKind.Utc)).ToUnixTimeSeconds(), "rnnservice")).ToList()),
            OpenAiJson.Options);
    }
}
