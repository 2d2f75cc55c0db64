using System.Collections.Concurrent;

namespace RnnService.Api.Training;

/// <summary>The jobs this replica is training, so a cancel or pause that arrives here is read at once
/// (one that arrives at another replica is read within Worker:ProgressInterval).</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, JobRun> _runs = new();

    public void Add(JobRun run) => _runs[run.JobId] = run;
    public void Remove(Guid jobId) => _runs.TryRemove(jobId, out _);
    public bool IsRunning(Guid jobId) => _runs.ContainsKey(jobId);

    /// <summary>Has the job's progress loop read its stop request now, when this replica runs it.</summary>
    public void CheckNow(Guid jobId)
    {
        if (_runs.TryGetValue(jobId, out var run)) run.CheckNow();
    }
}
