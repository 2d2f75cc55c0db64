using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>
/// Dynamic, continuous batching of one model's generation: requests that arrive while the model is idle are gathered for
/// Inference:BatchWindow, then stepped together as one <see cref="GenerationBatch"/> on one thread; a request that arrives
/// while the batch runs joins it at the next step, and each leaves as soon as its own samples end (or its token is
/// cancelled: only its samples leave). Each run keeps its own random stream, so a request's text is the same alone or
/// under load. The thread ends when the batch empties; the next request starts another.
/// </summary>
public sealed class ModelBatcher(CharLanguageModel model, TimeSpan window, Action<int> stepped)
{
    private sealed record Request(IReadOnlyList<GenerationJob> Jobs, CancellationToken Cancellation,
        TaskCompletionSource<IReadOnlyList<GenerationRun>> Done)
    {
        public List<GenerationRun> Runs { get; } = [];
    }

    private readonly Lock _lock = new();
    private readonly List<Request> _arrived = [];
    private bool _stepping;

    /// <summary>The finished runs, in the order of the jobs; canceled when <paramref name="ct"/> is (its samples leave the
    /// batch at the next step).</summary>
    public Task<IReadOnlyList<GenerationRun>> RunAsync(IReadOnlyList<GenerationJob> jobs, CancellationToken ct)
    {
        var request = new Request(jobs, ct, new(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_lock)
        {
            _arrived.Add(request);
            start = !_stepping;
            _stepping = true;
        }
        if (start) Task.Factory.StartNew(Step, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return request.Done.Task;
    }

    private void Step()
    {
        if (window > TimeSpan.Zero) Thread.Sleep(window);   // let the requests that arrive together start together
        var running = new List<Request>();
        try
        {
            using var batch = model.StartBatch();
            while (true)
            {
                lock (_lock)
                {
                    if (_arrived.Count == 0 && running.Count == 0)
                    {
                        _stepping = false;
                        return;
                    }
                    foreach (var request in _arrived) Join(batch, request, running);
                    _arrived.Clear();
                }
                stepped(batch.WritingSamples);
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
                _arrived.Clear();
                _stepping = false;
            }
        }
    }

    private static void Join(GenerationBatch batch, Request request, List<Request> running)
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

    private static bool Finished(Request request)
    {
        if (!request.Runs.All(r => r.IsFinished)) return false;
        if (request.Cancellation.IsCancellationRequested) request.Done.TrySetCanceled(request.Cancellation);
        else request.Done.TrySetResult(request.Runs);
        return true;
    }
}
