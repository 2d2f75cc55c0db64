using System.Collections.Concurrent;
using RnnService.Engine.Kernels;

namespace RnnService.Api.Training;

/// <summary>
/// Long-lived threads for the engine, one per job this replica runs at a time. Training blocks its thread for the
/// whole job, so it does not belong on the thread pool; but creating a thread per job costs about a millisecond
/// here, a few per cent of a small job's training (toy-sentiment's defaults train in about 40 ms). A finished
/// job's thread waits for the next one; it first lets go of the engine's per-thread GEMM scratch, which grows to
/// the job's largest product (tens of MB for a big job) and would otherwise stay with the thread.
/// </summary>
public sealed class TrainingThreads : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    /// <summary>Threads waiting for work that no <see cref="RunAsync{T}"/> has counted on yet.</summary>
    private int _idle;
    private int _started;

    /// <summary>Threads started so far: as many as jobs ran at once at the busiest moment, not one per job.</summary>
    internal int ThreadsStarted => Volatile.Read(ref _started);

    /// <summary>Runs <paramref name="work"/> on a training thread; the task ends with its result or its exception.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            T result = default!;
            Exception? error = null;
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ex;
            }
            Sgemm.ReleaseThreadScratch();
            // Idle before the caller hears of the end, so a job it starts next finds this thread.
            Interlocked.Increment(ref _idle);
            if (error is null) done.SetResult(result);
            else done.SetException(error); // awaiting rethrows the original exception, cancellations included
        });
        if (!TryTakeIdleThread()) StartThread();
        return done.Task;
    }

    private bool TryTakeIdleThread()
    {
        for (var idle = Volatile.Read(ref _idle); idle > 0; idle = Volatile.Read(ref _idle))
            if (Interlocked.CompareExchange(ref _idle, idle - 1, idle) == idle) return true;
        return false;
    }

    private void StartThread()
    {
        var number = Interlocked.Increment(ref _started);
        // Background: a replica that is shutting down has already checkpointed and released its jobs. UnsafeStart:
        // the thread outlives the job that started it, so it must not keep that job's execution context.
        new Thread(Loop) { IsBackground = true, Name = $"training-{number}" }.UnsafeStart();
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable()) work();
    }

    /// <summary>The threads end once they are idle (the collection itself stays for them to drain).</summary>
    public void Dispose() => _work.CompleteAdding();
}
