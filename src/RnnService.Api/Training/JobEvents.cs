using System.Collections.Concurrent;

namespace RnnService.Api.Training;

/// <summary>In-process "this job changed" notifications (epochs written, a final state) for SSE streams and
/// cancel requests on this replica, which then read the database. Streams also poll it, so changes made by
/// another replica arrive within the poll interval and a missed signal only delays an event.</summary>
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
