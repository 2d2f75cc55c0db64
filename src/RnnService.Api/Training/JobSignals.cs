using System.Collections.Concurrent;
using System.Threading.Channels;

namespace RnnService.Api.Training;

/// <summary>Wakes the worker when a job is queued or finishes. Only a nudge: the database is the queue.</summary>
public sealed class JobQueue
{
    private readonly Channel<Guid> _wake = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public void Wake(Guid jobId) => _wake.Writer.TryWrite(jobId);

    /// <summary>Returns when woken or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _wake.Reader.WaitToReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        while (_wake.Reader.TryRead(out _)) { }
    }
}

/// <summary>In-memory "this job changed" notifications (a new epoch, a final state) for SSE streams,
/// which then read the database; streams also poll, so a missed signal only delays an event.</summary>
public sealed class JobEvents
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _signals = new();

    /// <summary>Take this before reading the database, then await it: a change in between is not lost.</summary>
    public Task NextChangeAsync(Guid jobId) =>
        _signals.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Publish(Guid jobId)
    {
        if (_signals.TryRemove(jobId, out var signal)) signal.TrySetResult();
    }
}

/// <summary>One job being trained by this process, under one lease.</summary>
public sealed class JobRun(Guid jobId, string leaseId, CancellationTokenSource cancellation)
{
    private volatile bool _cancelRequested;
    private volatile bool _leaseLost;

    public Guid JobId { get; } = jobId;
    /// <summary>Unique per claim, so even this process cannot write for a run whose lease was taken over.</summary>
    public string LeaseId { get; } = leaseId;
    public CancellationToken Token => cancellation.Token;
    public bool CancelRequested => _cancelRequested;
    public bool LeaseLost => _leaseLost;

    public void RequestCancel()
    {
        _cancelRequested = true;
        cancellation.Cancel();
    }

    public void MarkLeaseLost()
    {
        _leaseLost = true;
        cancellation.Cancel();
    }
}

/// <summary>The jobs this process is training, so the cancel endpoint can stop one within a batch.</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, JobRun> _runs = new();

    public void Add(JobRun run) => _runs[run.JobId] = run;
    public void Remove(Guid jobId) => _runs.TryRemove(jobId, out _);

    public bool TryCancel(Guid jobId)
    {
        if (!_runs.TryGetValue(jobId, out var run)) return false;
        run.RequestCancel();
        return true;
    }
}

/// <summary>When the worker loop last went round; /health reports a stalled worker.</summary>
public sealed class WorkerHealth
{
    private long _lastTickTicks = DateTime.UtcNow.Ticks;

    public DateTime LastTick => new(Interlocked.Read(ref _lastTickTicks), DateTimeKind.Utc);
    public void Tick() => Interlocked.Exchange(ref _lastTickTicks, DateTime.UtcNow.Ticks);
}
