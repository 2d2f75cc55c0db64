using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Monitoring;
using RnnService.Api.Registry;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>What the three inference handlers (/predict, /generate, /score) share, bound with [AsParameters]: their services
/// and their opening. Each resolves the request's model reference, makes its own checks and says how to count its steps;
/// the cached model's kind is checked, its work (steps × multiply-adds per step) bounded, and it runs in a slot.</summary>
public sealed record InferenceServices(RnnDbContext Db, ModelCache Cache, InferenceSlots Slots, InferenceRunner Runner, HttpContext Http,
    IOptions<LimitsOptions> LimitsOptions, IOptions<InferenceOptions> InferenceOptions, RnnMetrics Metrics)
{
    public LimitsOptions Limits => LimitsOptions.Value;
    public InferenceOptions Inference => InferenceOptions.Value;

    /// <summary>The body's modelId or model, resolved (<see cref="ModelResolver"/>).</summary>
    public Task<ModelLookup> ResolveAsync(Guid? modelId, string? model, CancellationToken ct) => ModelResolver.ResolveAsync(Db, modelId, model, ct);

    /// <summary>The model from the cache (null when it is gone), for a handler whose checks depend on it.</summary>
    public Task<RnnModel?> LoadAsync(Guid modelId, CancellationToken ct) => Cache.GetAsync(modelId, Db, ct);

    /// <summary>Runs <paramref name="infer"/> on the model once its kind and work are checked: 404 when the model is gone, 400
    /// naming <paramref name="modelField"/> when it is not a <typeparamref name="TModel"/>, 400 naming the fields to reduce when
    /// the <paramref name="measure"/>d steps × its multiply-adds per step are over Inference:MaxRequestWork, then in an
    /// inference slot for those steps (503 when none frees in time). The model is loaded first because its size is the work's;
    /// a handler whose own checks needed it already (<see cref="LoadAsync"/>) passes it as <paramref name="loaded"/>.</summary>
    public async Task<Results<Ok<T>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> RunAsync<TModel, T>(Guid modelId,
        Func<TModel, RequestSteps> measure, string modelField, string wrongKind,
        Func<TModel, Task<Results<Ok<T>, ValidationProblem, NotFoundProblem, ProblemHttpResult>>> infer, CancellationToken ct,
        RnnModel? loaded = null) where TModel : RnnModel
    {
        using var admission = await AdmitAsync(modelId, measure, modelField, wrongKind, ct, loaded);
        return admission.Problem switch
        {
            null => await infer(admission.Model!),
            ValidationProblem invalid => invalid,
            NotFoundProblem notFound => notFound,
            _ => (ProblemHttpResult)admission.Problem,
        };
    }

    /// <summary>The opening of <see cref="RunAsync"/> without the run, for a handler whose work outlives it (a stream): the
    /// model and its slot, to dispose when the work is done, or the problem (a ValidationProblem, NotFoundProblem or ProblemHttpResult).</summary>
    public async Task<Admission<TModel>> AdmitAsync<TModel>(Guid modelId, Func<TModel, RequestSteps> measure, string modelField,
        string wrongKind, CancellationToken ct, RnnModel? loaded = null) where TModel : RnnModel
    {
        var model = loaded ?? await Cache.GetAsync(modelId, Db, ct);
        if (model is null) return new(null, null, Problems.NotFound($"No model {modelId}."));
        if (model is not TModel wanted) return new(null, null, Problems.Invalid(modelField, wrongKind));
        var steps = measure(wanted);
        if (InferenceLimits.CheckWork(steps, wanted, Inference) is { } tooMuch) return new(null, null, tooMuch);
        var slot = await Slots.TryEnterAsync(steps.Steps, ct);
        if (slot is null) return new(null, null, InferenceLimits.Busy(Http, Inference));
        return new(wanted, slot, null);
    }
}

/// <summary>An admitted request's model and inference slot (disposing frees the slot), or the Problem that refused it.</summary>
public sealed record Admission<TModel>(TModel? Model, IDisposable? Slot, IResult? Problem) : IDisposable where TModel : RnnModel
{
    public void Dispose() => Slot?.Dispose();
}
