using RnnService.Api.Jobs;
using RnnService.Engine.Training;

namespace RnnService.Api.Training;

/// <summary>Finished epochs and the latest checkpoint not yet written: the training thread hands them over here (no
/// database work on that thread), and the progress loop writes them, in order, before the run's final state.</summary>
public sealed class EpochBuffer
{
    private readonly Lock _lock = new();
    private readonly List<JobEpoch> _pending = [];
    private double? _etaSeconds;
    private TrainingCheckpoint? _checkpoint;

    public void Add(JobEpoch epoch, double? etaSeconds)
    {
        lock (_lock)
        {
            _pending.Add(epoch);
            _etaSeconds = etaSeconds;
        }
    }

    /// <summary>A checkpoint taken after the last epoch added; it replaces one not written yet.</summary>
    public void SetCheckpoint(TrainingCheckpoint checkpoint)
    {
        lock (_lock) _checkpoint = checkpoint;
    }

    public bool HasCheckpoint
    {
        get { lock (_lock) return _checkpoint is not null; }
    }

    /// <summary>The pending epochs, oldest first, the latest ETA and the pending checkpoint; they stay pending until
    /// <see cref="Remove"/>.</summary>
    public (IReadOnlyList<JobEpoch> Epochs, double? EtaSeconds, TrainingCheckpoint? Checkpoint) Peek()
    {
        lock (_lock) return (_pending.ToArray(), _etaSeconds, _checkpoint);
    }

    /// <summary>Drops the <paramref name="count"/> oldest epochs and <paramref name="checkpoint"/> once they are written
    /// (a newer checkpoint handed over meanwhile stays).</summary>
    public void Remove(int count, TrainingCheckpoint? checkpoint)
    {
        lock (_lock)
        {
            _pending.RemoveRange(0, count);
            if (ReferenceEquals(_checkpoint, checkpoint)) _checkpoint = null;
        }
    }
}
