using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>
/// Dynamic, continuous batching of one model's requests: requests that arrive while the model is idle are gathered for
/// Inference:BatchWindow, then run together on one thread (no wait when the model's last busy spell served one request
/// alone: one client at a time has nobody to wait for). Reads (/predict, /score) of one kind that arrived together are
/// one engine batch (<see cref="BatchedRead{TResult}"/>); generation is stepped as one <see cref="GenerationBatch"/>, which a
/// request arriving while it runs joins at the next step, and each leaves as soon as its own samples end (or its token is
/// cancelled: only its samples, or its texts, leave). Each run keeps its own random stream, so a request's text is the same
/// alone or under load. The thread ends when nothing is left to run; the next request starts another.
/// </summary>
public sealed class ModelBatcher(RnnModel model, TimeSpan window, BatchingCounters counters)
{
    private sealed record Generation(IReadOnlyList<GenerationJob> Jobs, CancellationToken Cancellation,
        TaskCompletionSource<IReadOnlyList<GenerationRun>> Done)
    {
        public List<GenerationRun> Runs { get; } = [];
    }

    private readonly Lock _lock = new();
    private readonly List<Generation> _arrived = [];
    private readonly List<PendingRead> _reads = [];
    private bool _stepping;
    private int _lastSpellRequests = int.MaxValue;   // requests the last busy spell served; before any, assume company

    /// <summary>The finished runs, in the order of the jobs; canceled when <paramref name="ct"/> is (its samples leave the
    /// batch at the next step). The model must be a <see cref="CharLanguageModel"/>.</summary>
    public Task<IReadOnlyList<GenerationRun>> RunAsync(IReadOnlyList<GenerationJob> jobs, CancellationToken ct)
    {
        var request = new Generation(jobs, ct, new(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lock) _arrived.Add(request);
        Wake();
        return request.Done.Task;
    }

    /// <summary>The texts' results in order, read beside the other requests of the same kind that arrived with them; canceled
    /// when <paramref name="ct"/> is (its texts leave the batch).</summary>
    public Task<IReadOnlyList<TResult>> ReadAsync<TResult>(BatchedRead<TResult> kind, IReadOnlyList<string> texts, CancellationToken ct)
        where TResult : class
    {
        var (request, answer) = kind.Pend(texts, ct);
        lock (_lock) _reads.Add(request);
        Wake();
        return answer;
    }

    private void Wake()
    {
        lock (_lock)
        {
            if (_stepping) return;
            _stepping = true;
        }
        // A pool thread, as an unbatched generation gets: a new thread per busy spell cost a thread start each time (tens of
        // milliseconds to be scheduled on a loaded machine).
        ThreadPool.UnsafeQueueUserWorkItem(_ => Step(), null);
    }

    private void Step()
    {
        // Let the requests that arrive together start together; a lone client's next request finds nobody to wait for.
        if (window > TimeSpan.Zero && Volatile.Read(ref _lastSpellRequests) > 1)
        {
            counters.WaitedWindow();
            Thread.Sleep(window);
        }
        var running = new List<Generation>();
        GenerationBatch? batch = null;
        int served = 0;
        try
        {
            while (true)
            {
                List<PendingRead> reads;
                lock (_lock)
                {
                    if (_arrived.Count == 0 && _reads.Count == 0 && running.Count == 0)
                    {
                        _lastSpellRequests = served;
                        _stepping = false;
                        return;
                    }
                    served += _arrived.Count + _reads.Count;
                    if (_arrived.Count > 0) batch ??= ((CharLanguageModel)model).StartBatch();
                    foreach (var request in _arrived) Join(batch!, request, running);
                    _arrived.Clear();
                    reads = [.. _reads];
                    _reads.Clear();
                }
                foreach (var kind in reads.GroupBy(r => r.Kind))
                {
                    counters.ReadStarting();
                    kind.Key.ReadTogether(model, [.. kind], counters);
                }
                if (running.Count == 0) continue;
                counters.Step(batch!.WritingSamples);
                batch.Step();
                running.RemoveAll(Finished);
            }
        }
        catch (Exception e)
        {
            // A fault of the engine fails the requests in the batch and those waiting, not the process; the next request starts afresh.
            lock (_lock)
            {
                foreach (var request in running.Concat(_arrived)) request.Done.TrySetException(e);
                foreach (var read in _reads) read.Fail(e);
                _arrived.Clear();
                _reads.Clear();
                _stepping = false;
            }
        }
        finally { batch?.Dispose(); }
    }

    private static void Join(GenerationBatch batch, Generation request, List<Generation> running)
    {
        try
        {
            foreach (var job in request.Jobs) request.Runs.Add(batch.Add(job.Options, job.Logprobs, job.OnChunk, request.Cancellation));
            running.Add(request);
        }
        catch (ArgumentException e)
        {
            foreach (var run in request.Runs) batch.Remove(run);
            request.Done.TrySetException(e);
        }
    }

    private static bool Finished(Generation request)
    {
        if (!request.Runs.All(r => r.IsFinished)) return false;
        if (request.Cancellation.IsCancellationRequested) request.Done.TrySetCanceled(request.Cancellation);
        else request.Done.TrySetResult(request.Runs);
        return true;
    }
}
