namespace RnnService.Api.Training;

/// <summary>One job being trained by this replica under one lease: why it may stop, and what is not written yet.</summary>
public sealed class JobRun(JobLease lease) : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private volatile bool _cancelRequested;
    private volatile bool _leaseLost;
    private volatile bool _stopRequested;
    private volatile bool _pauseRequested;

    public JobLease Lease { get; } = lease;
    public Guid JobId => Lease.JobId;
    public CancellationToken Token => _cancellation.Token;
    public EpochBuffer Epochs { get; } = new();
    /// <summary>The training data's fingerprint, for the model's reproducibility record; set once the data is loaded.</summary>
    public (string Sha256, long Bytes)? DatasetFingerprint { get; set; }
    /// <summary>One writer at a time per run, so a checkpoint is always written after every epoch before it.</summary>
    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public bool CancelRequested => _cancelRequested;
    public bool LeaseLost => _leaseLost;
    /// <summary>The replica is shutting down: checkpoint after the current epoch, then hand the job back.</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>A user asked to pause: the run stops like at shutdown (checkpoint, then stop), and ends paused.</summary>
    public bool PauseRequested => _pauseRequested;

    public void RequestPause(TimeSpan grace)
    {
        _pauseRequested = true;
        RequestStop(grace);
    }

    public void RequestCancel()
    {
        _cancelRequested = true;
        _cancellation.Cancel();
    }

    public void MarkLeaseLost()
    {
        _leaseLost = true;
        _cancellation.Cancel();
    }

    /// <summary>Asks for a checkpoint at the end of the current epoch, and stops training anyway after <paramref name="grace"/>.</summary>
    public void RequestStop(TimeSpan grace)
    {
        _stopRequested = true;
        _cancellation.CancelAfter(grace);
    }

    /// <summary>Stops training now (after the stop checkpoint).</summary>
    public void Stop() => _cancellation.Cancel();

    public void CancelAfter(TimeSpan limit) => _cancellation.CancelAfter(limit);

    public void Dispose()
    {
        _cancellation.Dispose();
        WriteLock.Dispose();
    }
}
