using Microsoft.EntityFrameworkCore;
using RnnService.Api.Jobs;
using RnnService.Api.Sweeps;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Training;

/// <summary>What users ask of a job from any replica: cancel, pause, resume. A queued job changes at once; a running one
/// is marked, and the replica that runs it acts on the mark within Worker:ProgressInterval.</summary>
public sealed partial class JobStore
{
    /// <summary>A user asked to pause: a queued job is paused at once; a running one is marked, and the replica that
    /// runs it checkpoints and marks it paused (it reads the mark within Worker:ProgressInterval).</summary>
    public async Task<PauseOutcome> RequestPauseAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pausedQueued = await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Paused).SetProperty(j => j.EtaSeconds, (double?)null), ct);
        if (pausedQueued == 1) return PauseOutcome.Paused;
        var marked = await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Running && !j.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.PauseRequested, true), ct);
        if (marked == 1) return PauseOutcome.Requested;
        var status = await db.TrainingJobs.Where(j => j.Id == jobId).Select(j => (JobStatus?)j.Status).FirstOrDefaultAsync(ct);
        return status switch
        {
            null => PauseOutcome.NotFound,
            JobStatus.Paused => PauseOutcome.AlreadyPaused,
            _ => PauseOutcome.NotPausable,
        };
    }

    /// <summary>A paused job goes back to the queue; the worker that claims it resumes from its checkpoint.
    /// Null when there is no such job; otherwise the status it had (only Paused was changed).</summary>
    public async Task<JobStatus?> ResumeAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var resumed = await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Paused)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.PauseRequested, false)
                .SetProperty(j => j.Worker, (string?)null), ct);
        if (resumed == 1) return JobStatus.Paused;
        return await db.TrainingJobs.Where(j => j.Id == jobId).Select(j => (JobStatus?)j.Status).FirstOrDefaultAsync(ct);
    }

    /// <summary>A user asked to cancel: a queued job is cancelled at once; a running one is marked, and the replica
    /// that runs it stops it (it reads the mark within Worker:ProgressInterval).</summary>
    public async Task<CancelOutcome> RequestCancelAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var sweepId = await SweepScheduler.LockForJobAsync(db, jobId, ct);
        var cancelledQueued = await db.TrainingJobs.Where(j => j.Id == jobId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Paused))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.CancelRequested, true).SetProperty(j => j.FinishedAt, now), ct);
        if (cancelledQueued == 1)
        {
            // A paused job's checkpoint is of no use any more.
            await db.Checkpoints.Where(c => c.JobId == jobId).ExecuteDeleteAsync(ct);
            await WebhookOutbox.JobEndedAsync(db, jobId, ct);
            await StepSweepAsync(db, sweepId, ct);
        }
        await transaction.CommitAsync(ct);
        if (cancelledQueued == 1) return CancelOutcome.Cancelled;
        var marked = await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        if (marked == 1) return CancelOutcome.Requested;
        return await db.TrainingJobs.AnyAsync(j => j.Id == jobId, ct) ? CancelOutcome.AlreadyFinished : CancelOutcome.NotFound;
    }
}
