namespace RnnService.Api.Training;

/// <summary>One job being trained by this replica under one lease: why it may stop, and what is not written yet.</summary>
public sealed class JobRun(JobLease lease) : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly SemaphoreSlim _checkNow = new(0, 1);
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

    public bool CancelRequested => _cancelRequested;
    public bool LeaseLost => _leaseLost;
    /// <summary>The replica is shutting down: checkpoint after the current epoch, then hand the job back.</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>A user asked to pause: the run stops like at shutdown (checkpoint, then stop), and ends paused.</summary>
    public bool PauseRequested => _pauseRequested;

    /// <summary>Acts on what the lease renewal found; false when the lease is lost (the run writes nothing more).
    /// A pause stops the run like a shutdown does (checkpoint, then stop) and ends it paused.</summary>
    public bool Apply(StopRequest request, TimeSpan pauseGrace)
    {
        switch (request)
        {
            case StopRequest.LeaseLost:
                MarkLeaseLost();
                return false;
            case StopRequest.Cancel when !_cancelRequested:
                _cancelRequested = true;
                _cancellation.Cancel();
                break;
            case StopRequest.Pause when !_pauseRequested && !_cancelRequested:
                _pauseRequested = true;
                RequestStop(pauseGrace);
                break;
        }
        return true;
    }

    /// <summary>A sweep trial finished the epoch of its rung: the checkpoint of this epoch ends the run, paused, without a user's
    /// request (the sweep's scheduler promotes or ends it).</summary>
    public void PauseAtRung()
    {
        if (_cancelRequested) return;
        _pauseRequested = true;
        _stopRequested = true;
    }

    /// <summary>A cancel or pause for this job arrived at this replica: the progress loop reads it now, not at its next tick.</summary>
    public void CheckNow()
    {
        try
        {
            _checkNow.Release();
        }
        catch (SemaphoreFullException)
        {
            // A check is already due.
        }
    }

    /// <summary>Waits for the progress loop's next tick, or less when <see cref="CheckNow"/> is called.</summary>
    public Task WaitForNextCheckAsync(TimeSpan interval, CancellationToken ct) => _checkNow.WaitAsync(interval, ct);

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
        _checkNow.Dispose();
    }
}
