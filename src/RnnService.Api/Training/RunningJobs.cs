using System.Collections.Concurrent;

namespace RnnService.Api.Training;

/// <summary>The jobs this replica is training, so a cancel that arrives here stops one at once
/// (a cancel that arrives at another replica reaches it through the database).</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, JobRun> _runs = new();

    public void Add(JobRun run) => _runs[run.JobId] = run;
    public void Remove(Guid jobId) => _runs.TryRemove(jobId, out _);
    public bool IsRunning(Guid jobId) => _runs.ContainsKey(jobId);

    public bool TryCancel(Guid jobId)
    {
        if (!_runs.TryGetValue(jobId, out var run)) return false;
        run.RequestCancel();
        return true;
    }
}
