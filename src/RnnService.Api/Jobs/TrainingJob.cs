using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

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
    public int CurrentEpoch { get; set; }
    public int TotalEpochs { get; set; }
    public double? EtaSeconds { get; set; }
    public int? ResumedFromEpoch { get; set; }
    public Guid? ModelId { get; set; }
    public string? Error { get; set; }
    public bool CancelRequested { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public Hyperparameters GetHyperparameters() =>
        JsonSerializer.Deserialize<Hyperparameters>(HyperparametersJson, ApiJson.Options)!;
}

/// <summary>Training progress; etaSeconds is null until an epoch has finished.</summary>
public sealed record JobProgress(int Epoch, int TotalEpochs, double Percent, double? EtaSeconds);

/// <summary>A training job as the API shows it.</summary>
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
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt);

public static class TrainingJobMapping
{
    public static JobResponse AsResponse(this TrainingJob job, EpochMetric? latest)
    {
        var percent = job.Status == JobStatus.Succeeded ? 100
            : job.TotalEpochs == 0 ? 0
            : Math.Round(100.0 * job.CurrentEpoch / job.TotalEpochs, 1);
        var eta = job.IsFinished ? 0 : job.EtaSeconds;
        return new JobResponse(job.Id, job.Name, job.Status, job.Task, job.Architecture, job.Dataset,
            job.GetHyperparameters(), new JobProgress(job.CurrentEpoch, job.TotalEpochs, percent, eta),
            latest?.AsResponse(), job.ModelId, job.Error, job.ResumedFromEpoch,
            job.CreatedAt, job.StartedAt, job.FinishedAt);
    }
}
