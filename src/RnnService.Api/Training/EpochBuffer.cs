using RnnService.Api.Jobs;

namespace RnnService.Api.Training;

/// <summary>Finished epochs not yet written: the training thread appends one per epoch (no database work on
/// that thread), and whoever writes next (the progress loop, a checkpoint, the final state) takes them in order.</summary>
public sealed class EpochBuffer
{
    private readonly Lock _lock = new();
    private readonly List<EpochMetric> _pending = [];
    private double? _etaSeconds;

    public void Add(EpochMetric epoch, double? etaSeconds)
    {
        lock (_lock)
        {
            _pending.Add(epoch);
            _etaSeconds = etaSeconds;
        }
    }

    /// <summary>The pending epochs, oldest first, and the latest ETA; they stay pending until <see cref="Remove"/>.</summary>
    public (IReadOnlyList<EpochMetric> Epochs, double? EtaSeconds) Peek()
    {
        lock (_lock) return (_pending.ToArray(), _etaSeconds);
    }

    /// <summary>Drops the <paramref name="count"/> oldest epochs once they are written.</summary>
    public void Remove(int count)
    {
        lock (_lock) _pending.RemoveRange(0, count);
    }
}
