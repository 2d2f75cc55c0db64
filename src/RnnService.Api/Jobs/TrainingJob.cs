using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>Paused: stopped after a checkpoint at the user's request; POST /jobs/{id}/resume queues it again.</summary>
public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled, Paused }

/// <summary>A training job row: the queue's truth. Lease fields say which worker owns a running job.</summary>
public sealed class TrainingJob
{
    public Guid Id { get; set; }
    public string? Name { get; set; }
    public JobStatus Status { get; set; }
    public TaskKind Task { get; set; }
    public Architecture Architecture { get; set; }
    public required string Dataset { get; set; }
    /// <summary>The effective hyper-parameters (request merged over the engine's defaults), as JSON.</summary>
    public required string HyperparametersJson { get; set; }
    public string? IdempotencyKey { get; set; }
    /// <summary>SHA-256 of the effective request, so a reused Idempotency-Key with another body is told apart.</summary>
    public string? RequestHash { get; set; }
    /// <summary>Fine-tuning: the model whose weights and vocabulary the job starts from.</summary>
    public Guid? InitFromModelId { get; set; }
    public int CurrentEpoch { get; set; }
    public int TotalEpochs { get; set; }
    /// <summary>A succeeded job: the epoch whose weights its model stores (the best one when early stopping ran);
    /// null before, and for jobs stored before it was recorded.</summary>
    public int? BestEpoch { get; set; }
    public double? EtaSeconds { get; set; }
    public int? ResumedFromEpoch { get; set; }
    public Guid? ModelId { get; set; }
    public string? Error { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>A user asked to pause the running job: its replica checkpoints and marks it paused.</summary>
    public bool PauseRequested { get; set; }
    /// <summary>The lease id of the claim that runs the job (fencing token); null unless running.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    /// <summary>The replica (host/process id) that trains the job, or trained it last; null while queued.</summary>
    public string? Worker { get; set; }
    /// <summary>How often an expired lease sent the job back to the queue.</summary>
    public int RescueCount { get; set; }
    /// <summary>The sweep this job is a trial of; null for a job of its own.</summary>
    public Guid? SweepId { get; set; }
    /// <summary>A sweep trial's rung: after this epoch the job checkpoints and pauses by itself, for the sweep's scheduler
    /// to promote (resume) or end it. Null: it trains to <see cref="TotalEpochs"/>.</summary>
    public int? PauseAtEpoch { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    /// <summary>Whether an earlier run recorded anything: epochs and checkpoints are only ever written in the same
    /// transaction as CurrentEpoch, so a job still at epoch 0 has neither (its run needs no checkpoint lookup).</summary>
    public bool HasRunBefore => CurrentEpoch > 0;

    public Hyperparameters GetHyperparameters() =>
        JsonSerializer.Deserialize<Hyperparameters>(HyperparametersJson, ApiJson.Options)!;
}

/// <summary>Training progress; etaSeconds is null until an epoch has finished.</summary>
public sealed record JobProgress(int Epoch, int TotalEpochs, double Percent, double? EtaSeconds);

/// <summary>A training job as the API shows it. Worker is the replica (host/process id) that trains it, or trained it
/// last; rescues counts how often it was taken over after its replica stopped answering. BestEpoch (a succeeded job) is
/// the epoch whose weights its model stores: the best one when early stopping ran, else the last; the model's finalMetrics
/// are that epoch's. A job that stopped early shows progress.epoch below progress.totalEpochs. SweepId: the sweep the job is a trial
/// of; PauseAtEpoch: the epoch of the trial's next rung, where it pauses by itself for the sweep to promote or end it.</summary>
/// <example>{"id": "0c7e1a52-9b8f-4d3e-a1f6-2b5c8d9e0f13", "name": "names", "status": "succeeded", "task": "charlm",
/// "architecture": "lstm", "dataset": "us-names", "hyperparameters": {"embeddingSize": 32, "hiddenSize": 32, "layers": 1, "epochs": 2,
/// "batchSize": 64, "learningRate": 0.01, "validationFraction": 0.1, "earlyStoppingPatience": 2, "seed": 42},
/// "progress": {"epoch": 2, "totalEpochs": 2, "percent": 100, "etaSeconds": 0},
/// "latestMetrics": {"epoch": 2, "trainLoss": 2.31, "trainAccuracy": null, "validationLoss": 2.28, "validationAccuracy": null,
/// "perplexity": 9.78, "seconds": 1.4}, "modelId": "3f2b8c1e-5d4a-4e7b-9c2d-1a6f0e8b7c45", "error": null, "resumedFromEpoch": null,
/// "worker": "host-a/4211", "rescues": 0, "createdAt": "2026-12-05T07:00:00Z", "startedAt": "2026-12-05T07:00:01Z",
/// "finishedAt": "2026-12-05T07:00:04Z", "initFromModelId": null, "bestEpoch": 2, "sweepId": null, "pauseAtEpoch": null}</example>
public sealed record JobResponse(
    Guid Id,
    string? Name,
    JobStatus Status,
    TaskKind Task,
    Architecture Architecture,
    string Dataset,
    Hyperparameters Hyperparameters,
    JobProgress Progress,
    EpochMetricResponse? LatestMetrics,
    Guid? ModelId,
    string? Error,
    int? ResumedFromEpoch,
    string? Worker,
    int Rescues,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    Guid? InitFromModelId,
    int? BestEpoch,
    Guid? SweepId = null,
    int? PauseAtEpoch = null);

public static class TrainingJobMapping
{
    public static JobResponse AsResponse(this TrainingJob job, JobEpoch? latest)
    {
        var percent = job.Status == JobStatus.Succeeded ? 100
            : job.TotalEpochs == 0 ? 0
            : Math.Round(100.0 * job.CurrentEpoch / job.TotalEpochs, 1);
        var eta = job.IsFinished ? 0 : job.Status == JobStatus.Paused ? null : job.EtaSeconds;
        return new JobResponse(job.Id, job.Name, job.Status, job.Task, job.Architecture, job.Dataset,
            job.GetHyperparameters(), new JobProgress(job.CurrentEpoch, job.TotalEpochs, percent, eta),
            latest?.AsResponse(), job.ModelId, job.Error, job.ResumedFromEpoch, job.Worker, job.RescueCount,
            job.CreatedAt, job.StartedAt, job.FinishedAt, job.InitFromModelId, job.BestEpoch, job.SweepId, job.PauseAtEpoch);
    }
}
