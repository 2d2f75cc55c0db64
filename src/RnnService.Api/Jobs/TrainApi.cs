using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Registry;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>The services POST /train uses, bound with [AsParameters].</summary>
public sealed record TrainServices(JobStore Store, DatasetCatalog Datasets, TrainingEstimates Estimates, WorkerWakeSignal Wake,
    RnnDbContext Db, IOptions<LimitsOptions> Limits, IOptions<WorkerOptions> Worker, HttpContext Http);

/// <summary>POST /train and POST /train/estimate: both check a training request against the dataset, the base model and
/// the configured limits; one queues it (once per Idempotency-Key), the other estimates it.</summary>
public static class TrainApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapTrain(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Jobs");

        group.MapPost("/train", TrainAsync)
            .WithName("Train")
            .WithSummary("Queue a training job")
            .WithDescription("Validates the request against the configured limits, stores the job and returns 202 with its Location. " +
                "Omitted hyper-parameters take the engine's defaults for the task. A repeated request with the same Idempotency-Key header returns the same job; " +
                "the same key with a different request is 422. 400 naming epochs, hiddenSize and layers when the job would take longer than " +
                "Worker:JobTimeLimit (estimatedSeconds: POST /train/estimate's figure for the same settings once it was asked, else a lower bound " +
                "from the model's size). 507 when the model (its parameters × 4 bytes) would not fit in Limits:MaxStoredBytes. 429 with Retry-After when Worker:MaxQueuedJobs jobs are already waiting. " +
                "Deprecated, for one release: ?dryRun=true queues nothing and answers as POST /train/estimate (use that instead).")
            .AddEndpointFilter(DeprecatedDryRunAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapPost("/train/estimate", EstimateAsync)
            .WithName("EstimateTraining")
            .WithSummary("Estimate a training job without queueing it")
            .WithDescription("Checks the request as POST /train does and queues nothing: 200 with the effective hyper-parameters, " +
                "the parameter count, an estimate of the memory, and the seconds per epoch measured on a few batches on this machine.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static Task<Results<Accepted<JobResponse>, ValidationProblem, ProblemHttpResult>> TrainAsync(TrainRequest request,
        [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, [AsParameters] TrainServices services, CancellationToken ct)
    {
        if (idempotencyKey is { Length: > 200 })
            return Task.FromResult<Results<Accepted<JobResponse>, ValidationProblem, ProblemHttpResult>>(Problems.Invalid(IdempotencyHeader, "At most 200 characters."));
        return CheckedAsync<Accepted<JobResponse>>(request, services, async job =>
        {
            try
            {
                if (await services.Estimates.CheckTimeLimitAsync(job.Shape, job.Architecture, job.Hyperparameters, job.Data,
                        batches => job.MeasureAsync(batches, services, ct), ct) is { } tooLong)
                    return tooLong;
            }
            catch (TrainingDataException ex)
            {
                return Problems.Invalid("dataset", ex.Message);
            }
            var modelBytes = job.Hyperparameters.EstimateParameters(job.Task, job.Architecture) * sizeof(float);
            if (await StorageQuota.CheckAsync(services.Db, modelBytes, services.Limits.Value.MaxStoredBytes, "The model this job trains", ct) is { } full)
                return full;
            return await QueueAsync(job, request.Name, idempotencyKey, services, ct);
        }, ct);
    }

    private static Task<Results<Ok<DryRunResponse>, ValidationProblem, ProblemHttpResult>> EstimateAsync(TrainRequest request,
        [AsParameters] TrainServices services, CancellationToken ct) =>
        CheckedAsync<Ok<DryRunResponse>>(request, services, async job =>
        {
            try
            {
                var estimate = await services.Estimates.TimedAsync(job.Shape, () => job.MeasureAsync(10, services, ct), ct);
                return TypedResults.Ok(DryRun.Response(job.Task, job.Architecture, job.Dataset, job.Hyperparameters, job.FineTune?.ModelId, estimate));
            }
            catch (TrainingDataException ex)
            {
                return Problems.Invalid("dataset", ex.Message);
            }
        }, ct);

    /// <summary>POST /train?dryRun=true, kept for one release: answered by POST /train/estimate, so that /train's own
    /// operation documents one success (202) and generated clients can reach the job.</summary>
    private static async ValueTask<object?> DeprecatedDryRunAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!context.HttpContext.Request.Query.TryGetValue("dryRun", out var flag)) return await next(context);
        // The flag was a bound bool: a value that is not one is still refused, rather than queueing a real job.
        if (!bool.TryParse(flag, out var dryRun)) return Problems.Invalid("dryRun", "Deprecated: true or false; use POST /train/estimate instead.");
        if (!dryRun) return await next(context);
        return await EstimateAsync(context.Arguments.OfType<TrainRequest>().Single(), context.Arguments.OfType<TrainServices>().Single(),
            context.HttpContext.RequestAborted);
    }

    /// <summary>A request that passed every check: the job it describes, and its data's size.</summary>
    private sealed record CheckedJob(TaskKind Task, Architecture Architecture, string Dataset, Hyperparameters Hyperparameters,
        FineTuneBase? FineTune, DataShape Data)
    {
        /// <summary>What a timed estimate depends on: everything but the epochs (it is per epoch).</summary>
        public string Shape => DryRun.Shape(Task, Architecture, Dataset, Data, FineTune?.ModelId, Hyperparameters);

        public Task<TrainingEstimate> MeasureAsync(int timedBatches, TrainServices services, CancellationToken ct) =>
            DryRun.MeasureAsync(Task, Architecture, Dataset, Hyperparameters, FineTune?.ModelId, timedBatches, services.Datasets, services.Store, ct);
    }

    /// <summary>The checks POST /train and POST /train/estimate share (a 400 naming the field, or 404 for a missing base
    /// model); <paramref name="then"/> answers a request that passes them.</summary>
    private static async Task<Results<TSuccess, ValidationProblem, ProblemHttpResult>> CheckedAsync<TSuccess>(TrainRequest request,
        TrainServices services, Func<CheckedJob, Task<Results<TSuccess, ValidationProblem, ProblemHttpResult>>> then, CancellationToken ct)
        where TSuccess : IResult
    {
        if (request.Task is not { } task) return Problems.Invalid("task", "Required: sentiment or charlm.");
        if (string.IsNullOrWhiteSpace(request.Dataset)) return Problems.Invalid("dataset", "Required: the name of a dataset (GET /datasets).");
        if (request.Name is { } name && ModelNames.CheckName(name) is { } badName) return Problems.Invalid("name", badName);

        if (await services.Datasets.FindAsync(request.Dataset, ct) is not { } dataset)
            return Problems.Invalid("dataset", $"No dataset named '{request.Dataset}' (GET /datasets lists them).");
        if (dataset.Task != task)
            return Problems.Invalid("dataset", $"The dataset '{request.Dataset}' is for the {ApiJson.EnumName(dataset.Task)} task, not {ApiJson.EnumName(task)}.");

        FineTuneBase? fineTune = null;
        if (request.InitFrom is { } initFrom)
        {
            var (found, problem) = await FineTuneBase.FindAsync(services.Db, initFrom, ct);
            if (problem is not null) return problem;
            fineTune = found;
        }
        var architecture = fineTune?.Config.Architecture ?? request.Architecture ?? Architecture.Lstm;

        var shape = dataset.Shape;
        var hyperparameters = HyperparameterRules.Merge(task, request.Hyperparameters, shape);
        if (fineTune is not null)
        {
            hyperparameters = fineTune.KeepSizes(request.Hyperparameters, hyperparameters);
            if (fineTune.Check(task, request.Architecture, hyperparameters, shape) is { Count: > 0 } fineTuneErrors)
                return TypedResults.ValidationProblem(fineTuneErrors);
            if (task == TaskKind.CharLm && fineTune.NewCharactersProblem(await services.Datasets.LoadAsync(request.Dataset, ct)) is { } unseen)
                return Problems.Invalid("dataset", unseen);
        }
        var errors = HyperparameterRules.Check(task, architecture, hyperparameters, services.Limits.Value);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return await then(new CheckedJob(task, architecture, request.Dataset, hyperparameters, fineTune, shape));
    }

    private static async Task<Results<Accepted<JobResponse>, ValidationProblem, ProblemHttpResult>> QueueAsync(CheckedJob checkedJob,
        string? name, string? idempotencyKey, TrainServices services, CancellationToken ct)
    {
        var (task, architecture, dataset, hyperparameters, fineTune, _) = checkedJob;
        var hyperparametersJson = JsonSerializer.Serialize(hyperparameters, ApiJson.Options);
        var job = new TrainingJob
        {
            Id = Guid.NewGuid(),
            Name = name,
            Status = JobStatus.Queued,
            Task = task,
            Architecture = architecture,
            Dataset = dataset,
            HyperparametersJson = hyperparametersJson,
            IdempotencyKey = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey,
            RequestHash = RequestHash(name, task, architecture, dataset, hyperparametersJson + fineTune?.ModelId),
            TotalEpochs = hyperparameters.Epochs,
            InitFromModelId = fineTune?.ModelId,
            CreatedAt = DateTime.UtcNow,
        };
        switch (await services.Store.EnqueueAsync(job, ct))
        {
            case EnqueueResult.Created created:
                services.Wake.Wake();
                return Accepted(created.Job);
            case EnqueueResult.Existing existing:
                return Accepted(existing.Job);
            case EnqueueResult.KeyReused reused:
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused",
                    detail: $"The Idempotency-Key was already used for job {reused.Job.Id} with a different request; use a new key for a new job.",
                    extensions: new Dictionary<string, object?> { ["jobId"] = reused.Job.Id });
            case EnqueueResult.QueueFull full:
                services.Http.Response.Headers.RetryAfter = services.Worker.Value.QueueFullRetryAfterSeconds.ToString();
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "The training queue is full",
                    detail: $"{full.Queued} jobs are waiting (Worker:MaxQueuedJobs = {services.Worker.Value.MaxQueuedJobs}). Retry later.");
            case EnqueueResult.Gone { Field: "dataset" } gone:
                return Problems.Invalid(gone.Field, gone.Message);
            case EnqueueResult.Gone gone:
                return Problems.NotFound(gone.Field, gone.Message);
            default:
                throw new UnreachableException();
        }

        static Accepted<JobResponse> Accepted(TrainingJob job) => TypedResults.Accepted($"/jobs/{job.Id}", job.AsResponse(null));
    }

    /// <summary>What makes two requests the same job: the effective settings, not the JSON's spelling.</summary>
    private static string RequestHash(string? name, TaskKind task, Architecture architecture, string dataset, string hyperparametersJson) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}\n{task}\n{architecture}\n{dataset}\n{hyperparametersJson}")));
}
