using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Registry;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>What the three inference handlers (/predict, /generate, /score) share, bound with [AsParameters]: their services
/// and their opening. Each resolves the request's model reference, makes its own checks and sizes its work, then runs
/// in a slot for that work, on the cached model, once its kind is checked.</summary>
public sealed record InferenceServices(RnnDbContext Db, ModelCache Cache, InferenceSlots Slots, HttpContext Http,
    IOptions<LimitsOptions> LimitsOptions, IOptions<InferenceOptions> InferenceOptions)
{
    public LimitsOptions Limits => LimitsOptions.Value;
    public InferenceOptions Inference => InferenceOptions.Value;

    /// <summary>The body's modelId or model, resolved (<see cref="ModelResolver"/>).</summary>
    public Task<ModelLookup> ResolveAsync(Guid? modelId, string? model, CancellationToken ct) => ModelResolver.ResolveAsync(Db, modelId, model, ct);

    /// <summary>Runs <paramref name="infer"/> on the model in an inference slot for <paramref name="work"/> characters: 503 when
    /// none frees in time, 404 when the model is gone, 400 naming <paramref name="modelField"/> when it is not a
    /// <typeparamref name="TModel"/>.</summary>
    public async Task<Results<Ok<T>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> RunAsync<TModel, T>(Guid modelId, long work,
        string modelField, string wrongKind, Func<TModel, Results<Ok<T>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> infer,
        CancellationToken ct) where TModel : RnnModel
    {
        using var slot = await Slots.TryEnterAsync(work, ct);
        if (slot is null) return InferenceLimits.Busy(Http, Inference);
        var model = await Cache.GetAsync(modelId, Db, ct);
        if (model is null) return Problems.NotFound($"No model {modelId}.");
        if (model is not TModel wanted) return Problems.Invalid(modelField, wrongKind);
        return infer(wanted);
    }
}
