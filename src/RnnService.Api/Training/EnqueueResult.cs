using RnnService.Api.Jobs;

namespace RnnService.Api.Training;

/// <summary>What happened to a POST /train.</summary>
public abstract record EnqueueResult
{
    private EnqueueResult() { }

    /// <summary>A new queued job.</summary>
    public sealed record Created(TrainingJob Job) : EnqueueResult;

    /// <summary>The Idempotency-Key was used before with the same request: that job.</summary>
    public sealed record Existing(TrainingJob Job) : EnqueueResult;

    /// <summary>The Idempotency-Key was used before with a different request.</summary>
    public sealed record KeyReused(TrainingJob Job) : EnqueueResult;

    /// <summary>Worker:MaxQueuedJobs jobs are already waiting; nothing was written.</summary>
    public sealed record QueueFull(int Queued) : EnqueueResult;

    /// <summary>The job's dataset or base model (<paramref name="Field"/>) was deleted after POST /train found it.</summary>
    public sealed record Gone(string Field, string Message) : EnqueueResult;
}
