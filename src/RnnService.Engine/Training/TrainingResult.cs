using RnnService.Engine.Models;

namespace RnnService.Engine.Training;

/// <summary>Hooks a caller gives the trainer: progress after each epoch, and a checkpoint after each epoch.</summary>
public sealed class TrainingCallbacks
{
    public Action<EpochMetrics>? OnEpoch { get; init; }
    /// <summary>Asked after each epoch (with its number) whether to make a checkpoint; without it, every epoch has one.
    /// A checkpoint copies every weight and optimizer buffer, so a caller that saves them by time asks for fewer.</summary>
    public Func<int, bool>? CheckpointDue { get; init; }
    public Action<TrainingCheckpoint>? OnCheckpoint { get; init; }
}

/// <summary>The trained model (best weights when early stopping ran), every epoch's metrics, whether it stopped early,
/// and the epoch whose weights the model holds (the best one under early stopping, else the last; 0 when none ran).</summary>
public sealed record TrainingResult(RnnModel Model, IReadOnlyList<EpochMetrics> History, bool StoppedEarly, int BestEpoch)
{
    /// <summary>The metrics of the weights the model holds: <see cref="BestEpoch"/>'s; null when no epoch ran.</summary>
    public EpochMetrics? ModelMetrics => History.LastOrDefault(m => m.Epoch == BestEpoch);
}

/// <summary>The loss became NaN or infinite; no model is produced.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
