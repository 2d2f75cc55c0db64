namespace RnnService.Engine.Models;

/// <summary>A text read in a batch beside others, with the token of the request it belongs to: once that is cancelled the
/// text leaves the batch (at its next window or chunk) and its result is null, while the others' go on.</summary>
public readonly record struct BatchText(string Text, CancellationToken Cancellation = default)
{
    /// <summary>One request's texts through a batched read: their results, or OperationCanceledException when
    /// <paramref name="ct"/> is cancelled (before the read, or during it: its texts then read as null).</summary>
    public static IReadOnlyList<T> ReadAlone<T>(IReadOnlyList<string> texts, CancellationToken ct,
        Func<IReadOnlyList<BatchText>, IReadOnlyList<T?>> read) where T : class
    {
        ArgumentNullException.ThrowIfNull(texts);
        ct.ThrowIfCancellationRequested();
        var results = read(texts.Select(t => new BatchText(t, ct)).ToList());
        ct.ThrowIfCancellationRequested();
        return results!;
    }
}
