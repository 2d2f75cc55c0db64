using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Api.Sweeps;

/// <summary>Running: its scheduler starts and promotes trials; Paused: its trials are paused and nothing is scheduled;
/// Succeeded: its best trial's model is registered; Failed: it ended without a model; Cancelled: by a user.</summary>
public enum SweepStatus { Running, Paused, Succeeded, Failed, Cancelled }

/// <summary>The validation metric a sweep ranks its trials by: loss (lower is better), accuracy (sentiment; higher) or perplexity (char models; lower).</summary>
public enum SweepObjective { Loss, Accuracy, Perplexity }

/// <summary>asha: asynchronous successive halving; none: every trial trains to maxEpochs.</summary>
public enum SweepSchedulerKind { Asha, None }

/// <summary>A sweep row: the search's settings, its budget and its result. Its trials are <see cref="SweepTrial"/> rows, each
/// an ordinary training job. Every change after creation is made by <see cref="SweepScheduler"/> under the sweep's row lock.</summary>
public sealed class Sweep
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public SweepStatus Status { get; set; }
    public TaskKind Task { get; set; }
    public Architecture Architecture { get; set; }
    public required string Dataset { get; set; }
    /// <summary>The settings every trial starts from (request over the fitted defaults), as JSON.</summary>
    public required string HyperparametersJson { get; set; }
    /// <summary>The search space as the request gave it (name to list or range), as JSON.</summary>
    public required string SpaceJson { get; set; }
    public SearchStrategy Strategy { get; set; }
    public int Seed { get; set; }
    public SweepObjective Objective { get; set; }
    public SweepSchedulerKind Scheduler { get; set; }
    public int MinEpochs { get; set; }
    public int MaxEpochs { get; set; }
    public int Eta { get; set; }
    public int MaxTrials { get; set; }
    public int MaxConcurrent { get; set; }
    public int MaxSeconds { get; set; }
    /// <summary>The alias the best trial's model gets under <see cref="Name"/>.</summary>
    public required string Alias { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? RequestHash { get; set; }
    /// <summary>No point of the space is left (a grid used up, or random draws that all break a rule).</summary>
    public bool SpaceExhausted { get; set; }
    public Guid? ModelId { get; set; }
    public int? ModelVersion { get; set; }
    public int? BestTrial { get; set; }
    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    public bool IsFinished => Status is SweepStatus.Succeeded or SweepStatus.Failed or SweepStatus.Cancelled;

    public bool Minimize => Objective != SweepObjective.Accuracy;

    public SuccessiveHalving Halving() => Scheduler == SweepSchedulerKind.Asha ? new(MinEpochs, MaxEpochs, Eta) : new(MaxEpochs, MaxEpochs, Eta);

    public Hyperparameters GetHyperparameters() => JsonSerializer.Deserialize<Hyperparameters>(HyperparametersJson, ApiJson.Options)!;

    public Dictionary<string, JsonElement> GetSpace() => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(SpaceJson, ApiJson.Options)!;

    /// <summary>Whether maxSeconds have passed since the sweep was created: then no new trial starts.</summary>
    public bool TimeIsUp(DateTime now) => now >= CreatedAt.AddSeconds(MaxSeconds);
}
