using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using RnnService.Api.Infrastructure;
using RnnService.Api.Registry;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>Sampling settings of a char model; give either modelId or model, everything else is optional.</summary>
/// <example>{"model": "names", "count": 5, "temperature": 0.8, "seed": 7}</example>
/// <param name="ModelId">The char model's id. Either this or model.</param>
/// <param name="Prompt">Text the model reads first; every sample starts with it.</param>
/// <param name="MaxLength">Characters written after the prompt, prefix included. Omitted: the model's default (a line
/// model's fits its longest training line, others use 200); the response gives the one used.</param>
/// <param name="Temperature">Sampling temperature; 0 = greedy (always the likeliest character).</param>
/// <param name="TopK">Sample among the k likeliest characters only; 0 = off.</param>
/// <param name="TopP">Nucleus sampling: among the likeliest characters whose probabilities add up to p; 1 = off.</param>
/// <param name="Seed">Seeds the sampling. Omitted: a random one is drawn and returned.</param>
/// <param name="Count">Samples to write.</param>
/// <param name="MinLength">Characters after the prompt before a sample may end (prefix included). A line model never
/// writes an empty line; with 0, a stop string may still end a sample at once.</param>
/// <param name="Prefix">Every sample starts with prompt + prefix.</param>
/// <param name="Stop">A sample ends before the first of these it writes (at most 4, each 1-50 characters).</param>
/// <param name="ExcludeTrainingSamples">Line models: never return a line of the training data (up to 5 candidates per sample are drawn).</param>
/// <param name="Model">A model reference: an id, name, name@version or name@alias. Either this or modelId.</param>
/// <param name="Stream">Answer text/event-stream as the samples grow (<see cref="GenerateStream"/>): text, end and usage events.</param>
[ExactlyOneOf(nameof(GenerateRequest.ModelId), nameof(GenerateRequest.Model))]
public sealed record GenerateRequest(Guid? ModelId, string? Prompt, int? MaxLength, float? Temperature, int? TopK,
    float? TopP, int? Seed, int? Count, int? MinLength = null, string? Prefix = null, IReadOnlyList<string>? Stop = null,
    bool? ExcludeTrainingSamples = null, string? Model = null, bool? Stream = null) : IRequestDefaults<GenerateRequest>
{
    /// <summary>The engine's sampling defaults; maxLength depends on the model and the seed is drawn.</summary>
    public static GenerateRequest Defaults { get; } = FromEngine(new GenerationOptions());

    private static GenerateRequest FromEngine(GenerationOptions d) => new(null, d.Prompt, MaxLength: null, d.Temperature, d.TopK, d.TopP,
        Seed: null, d.Count, d.MinLength, d.Prefix, d.Stop, ExcludeTrainingSamples: false, Stream: false);
}

/// <summary>maxLength: the one this answer was generated with, the request's or else the model's default (a line model's
/// fits its longest training line, others use 200). unknownCharacters: characters of the prompt and prefix outside the
/// model's alphabet (the model reads them as unknown);
/// rejected (with excludeTrainingSamples): candidates dropped because they were training lines.</summary>
/// <example>{"modelId": "3f2b8c1e-5d4a-4e7b-9c2d-1a6f0e8b7c45", "seed": 7, "maxLength": 20, "samples": ["marla", "dennis"],
/// "unknownCharacters": []}</example>
public sealed record GenerateResponse(Guid ModelId, int Seed, int MaxLength, IReadOnlyList<string> Samples,
    IReadOnlyList<string> UnknownCharacters,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Rejected = null);

/// <summary>POST /generate: samples from a char model, with length, prefix, stop and training-line controls.</summary>
public static class GenerateApi
{
    public const int MaxStopStrings = 4;
    public const int MaxStopLength = 50;
    /// <summary>excludeTrainingSamples draws at most this many candidates per sample asked for.</summary>
    public const int CandidatesPerSample = 5;

    public static void MapGenerate(this RouteGroupBuilder group)
    {
        group.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Sample text from a char model")
            .WithDescription("Controls: minLength, maxLength (without it, the model's default: a line model's fits its longest " +
                "training line plus a quarter, others use " + GenerationOptions.DefaultMaxLength + "; the response gives the one used), " +
                "prefix (every sample starts with prompt + prefix), stop strings, excludeTrainingSamples " +
                "(line models: no line of the training data; the response counts the rejected candidates; 422 when " + CandidatesPerSample +
                " candidates per sample did not give enough new ones). " +
                "400 for a sentiment model, and when count × (prompt length + maxLength) steps (× " + CandidatesPerSample +
                " with excludeTrainingSamples) × the model's multiply-adds per step is over Inference:MaxRequestWork. " +
                "Rate limited, capped and timed out like /predict. " +
                "stream: true answers text/event-stream: \"text\" events {sample, text} as each sample grows (the prefix first, " +
                "the prompt never), an \"end\" event {sample, finish: length | stop | endofline} when a sample ends, and a last " +
                "\"usage\" event {modelId, seed, maxLength, unknownCharacters, promptCharacters, generatedCharacters, milliseconds}; " +
                "not with excludeTrainingSamples. Leaving stops the generation.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
    }

    private const string WrongKind = "This is a sentiment model; /generate needs a char (charlm) model.";

    private static async Task<Results<ServerSentEventsResult<string>, Ok<GenerateResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> GenerateAsync(
        GenerateRequest request, [AsParameters] InferenceServices services, CancellationToken ct)
    {
        var lookup = await services.ResolveAsync(request.ModelId, request.Model, ct);
        if (lookup.Id is not { } modelId) return lookup.Problem!;
        // Without maxLength the model's own default applies, so the model is loaded before the checks (once: AdmitAsync reuses it).
        var loaded = request.MaxLength is null ? await services.LoadAsync(modelId, ct) : null;
        var defaults = new GenerationOptions();
        var generation = new GenerationOptions
        {
            Prompt = request.Prompt ?? defaults.Prompt,
            MaxLength = request.MaxLength ?? DefaultMaxLength(loaded, services.Limits),
            Temperature = request.Temperature ?? defaults.Temperature,
            TopK = request.TopK ?? defaults.TopK,
            TopP = request.TopP ?? defaults.TopP,
            Seed = request.Seed ?? Random.Shared.Next(),
            Count = request.Count ?? defaults.Count,
            MinLength = request.MinLength ?? defaults.MinLength,
            Prefix = request.Prefix ?? defaults.Prefix,
            Stop = request.Stop ?? defaults.Stop,
        };
        if (CheckLimits(generation, services.Limits) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        bool exclude = request.ExcludeTrainingSamples ?? GenerateRequest.Defaults.ExcludeTrainingSamples!.Value;
        var steps = InferenceLimits.GenerateSteps(generation.Count, generation.Prompt.Length, generation.MaxLength, exclude ? CandidatesPerSample : 1);

        if (request.Stream == true && exclude)
            return Problems.Invalid("stream", "Streaming cannot exclude training samples (rejected candidates would have been sent); leave out one of them.");
        var admission = await services.AdmitAsync<CharLanguageModel>(modelId, _ => steps, ModelResolver.FieldOf(request.Model), WrongKind, ct, loaded);
        if (admission.Problem is not null) return Widen(admission.Problem);
        var lm = admission.Model!;
        if (ModelError(lm, generation, exclude) is { } invalid)
        {
            admission.Dispose();
            return invalid;
        }
        if (request.Stream == true) return TypedResults.ServerSentEvents(GenerateStream.EventsAsync(admission, modelId, generation, services.Runner, services.Metrics, ct));
        using (admission)
        {
            if (exclude) return GenerateNew(lm, modelId, generation, ct);
            var run = (await services.Runner.RunAsync(lm, [new GenerationJob(generation)], ct))[0];
            return TypedResults.Ok(new GenerateResponse(modelId, generation.Seed, generation.MaxLength, run.Samples,
                lm.UnknownCharacters(generation.Prompt + generation.Prefix)));
        }
    }

    /// <summary>The model's own rules for this request: its prompt, and training lines to exclude.</summary>
    private static ValidationProblem? ModelError(CharLanguageModel lm, GenerationOptions generation, bool exclude)
    {
        if (exclude && lm.TrainingLines is null)
            return Problems.Invalid("excludeTrainingSamples", lm.LineMode
                ? "This model was saved without its training lines (trained before they were kept); retrain it to use this."
                : "Only line models (one sample per line) can exclude training samples.");
        return lm.PromptError(generation.Prompt + generation.Prefix) is { } noPrompt ? Problems.Invalid("prompt", noPrompt) : null;
    }

    private static Results<ServerSentEventsResult<string>, Ok<GenerateResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult> Widen(
        IResult problem) => problem switch
    {
        ValidationProblem invalid => invalid,
        NotFoundProblem notFound => notFound,
        _ => (ProblemHttpResult)problem,
    };

    /// <summary>The model's default maxLength (<see cref="CharLanguageModel.DefaultMaxLength"/>), at most Limits:MaxGenerateLength;
    /// the plain default when the model is missing or not a char model (RunAsync then answers with that problem).</summary>
    private static int DefaultMaxLength(RnnModel? model, LimitsOptions limits) =>
        model is CharLanguageModel lm ? Math.Min(lm.DefaultMaxLength, limits.MaxGenerateLength) : GenerationOptions.DefaultMaxLength;

    /// <summary>Field errors keyed by JSON path ("minLength", "stop[1]"); empty when valid. The engine's own rules
    /// (<see cref="GenerationOptions.Errors"/>) come first, all at once; this adds only the configured limits.</summary>
    internal static Dictionary<string, string[]> CheckLimits(GenerationOptions generation, LimitsOptions limits)
    {
        var errors = generation.Errors().ToDictionary(e => Problems.CamelCase(e.Key), e => new[] { e.Value });
        void AtMost(string field, double value, double max, string message)
        {
            if (value > max && !errors.ContainsKey(field)) errors[field] = [message];
        }
        AtMost("prompt", generation.Prompt.Length, limits.MaxTextLength, $"At most {limits.MaxTextLength} characters (Limits:MaxTextLength).");
        AtMost("maxLength", generation.MaxLength, limits.MaxGenerateLength, $"Must be between 1 and {limits.MaxGenerateLength}.");
        AtMost("count", generation.Count, limits.MaxGenerateCount, $"Must be between 1 and {limits.MaxGenerateCount}.");
        AtMost("temperature", generation.Temperature, limits.MaxTemperature, $"Must be between 0 and {limits.MaxTemperature}.");
        AtMost("stop", generation.Stop.Count, MaxStopStrings, $"At most {MaxStopStrings} stop strings.");
        for (var i = 0; i < generation.Stop.Count; i++)
            AtMost($"stop[{i}]", generation.Stop[i]?.Length ?? 0, MaxStopLength, $"Must be 1 to {MaxStopLength} characters.");
        return errors;
    }

    private static Results<ServerSentEventsResult<string>, Ok<GenerateResponse>, ValidationProblem, NotFoundProblem, ProblemHttpResult> GenerateNew(
        CharLanguageModel lm, Guid modelId, GenerationOptions generation, CancellationToken ct)
    {
        var (samples, rejected, candidates) = lm.GenerateNew(generation, generation.Count * CandidatesPerSample, ct);
        if (samples.Count < generation.Count)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not enough new samples",
                detail: $"Found {samples.Count} of {generation.Count} samples that are not training lines in {candidates} candidates " +
                    $"({rejected} were training lines). Raise the temperature, ask for fewer or longer samples (minLength), or drop excludeTrainingSamples.");
        return TypedResults.Ok(new GenerateResponse(modelId, generation.Seed, generation.MaxLength, samples,
            lm.UnknownCharacters(generation.Prompt + generation.Prefix), rejected));
    }
}
