using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>What a <see cref="ModelBatcher"/> needs of a kind of read, whatever its result type.</summary>
internal interface IBatchedRead
{
    /// <summary>Reads the requests' texts as one engine batch and answers each request, counting the texts read and how many
    /// of them left the read unfinished (their request was cancelled) before any answer, so a caller woken by its answer
    /// finds the read counted.</summary>
    void ReadTogether(RnnModel model, IReadOnlyList<PendingRead> requests, BatchingCounters counters);
}

/// <summary>One request's texts waiting for a batched read.</summary>
internal abstract class PendingRead(IBatchedRead kind, IReadOnlyList<string> texts, CancellationToken cancellation)
{
    public IBatchedRead Kind => kind;
    public IReadOnlyList<string> Texts => texts;
    public CancellationToken Cancellation => cancellation;
    public abstract void Fail(Exception e);
}

/// <summary>
/// A kind of read of texts (/predict's classification, explanation or char prediction, /score's scores): the engine call that
/// reads many texts as one batch, each text with its request's token (a cancelled one leaves the batch and reads as null).
/// Requests of one kind on one model that arrive together share one call.
/// </summary>
public sealed class BatchedRead<TResult>(Func<RnnModel, IReadOnlyList<BatchText>, IReadOnlyList<TResult?>> read) : IBatchedRead
    where TResult : class
{
    /// <summary>One request's texts read alone; OperationCanceledException when <paramref name="ct"/> stopped it.</summary>
    internal IReadOnlyList<TResult> ReadAlone(RnnModel model, IReadOnlyList<string> texts, CancellationToken ct) =>
        BatchText.ReadAlone(texts, ct, batch => read(model, batch));

    /// <summary>A request's texts to hand to a batcher, and its answer to come.</summary>
    internal (PendingRead Request, Task<IReadOnlyList<TResult>> Answer) Pend(IReadOnlyList<string> texts, CancellationToken ct)
    {
        var request = new Pending(this, texts, ct);
        return (request, request.Done.Task);
    }

    void IBatchedRead.ReadTogether(RnnModel model, IReadOnlyList<PendingRead> requests, BatchingCounters counters)
    {
        var live = requests.Cast<Pending>().Where(r => !r.CancelIfRequested()).ToList();
        var texts = live.SelectMany(r => r.Texts.Select(t => new BatchText(t, r.Cancellation))).ToList();
        if (texts.Count == 0) return;
        try
        {
            var results = read(model, texts);
            counters.Read(texts.Count, results.Count(r => r is null));
            int next = 0;
            foreach (var request in live)
            {
                request.Answer(results.Skip(next).Take(request.Texts.Count).ToList());
                next += request.Texts.Count;
            }
        }
        catch (Exception e)
        {
            // The engine refused a text: the requests read with it fail, not the batcher.
            counters.Read(texts.Count, 0);
            foreach (var request in live) request.Fail(e);
        }
    }

    private sealed class Pending(BatchedRead<TResult> kind, IReadOnlyList<string> texts, CancellationToken cancellation)
        : PendingRead(kind, texts, cancellation)
    {
        public TaskCompletionSource<IReadOnlyList<TResult>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CancelIfRequested() => Cancellation.IsCancellationRequested && Done.TrySetCanceled(Cancellation);

        public void Answer(List<TResult?> results)
        {
            if (Cancellation.IsCancellationRequested || results.Contains(null)) Done.TrySetCanceled(Cancellation);
            else Done.TrySetResult(results!);
        }

        public override void Fail(Exception e) => Done.TrySetException(e);
    }
}
