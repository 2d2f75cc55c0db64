using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using RnnService.Api.Jobs;
using RnnService.Api.Sweeps;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Training;

/// <summary>Jobs whose replica went away: found by their expired lease, on any replica's worker loop.</summary>
public sealed partial class JobStore
{
    /// <summary>Jobs whose replica stopped renewing their lease: back to the queue (they resume from their checkpoint),
    /// cancelled when a cancel was pending, or failed once they were rescued more than Worker:MaxRescues times.</summary>
    public async Task<RescueReport> RescueExpiredAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var max = Options.MaxRescues;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        Expression<Func<TrainingJob, bool>> expired = j => j.Status == JobStatus.Running && j.LeaseExpiresAt < now;
        var cancelled = await db.TrainingJobs.Where(expired).Where(j => j.CancelRequested)
            .ExecuteUpdateAsync(s => Ended(s, JobStatus.Cancelled, null, now), ct);
        var error = $"The job's worker stopped renewing its lease {max + 1} times (Worker:MaxRescues = {max}); it is not retried again. " +
            "Look for a replica that crashes on it (out of memory?).";
        // A pending cancel wins over the rescue limit, also for a row committed after the statement above saw the table
        // (PostgreSQL's read committed): that job waits for the next pass, which cancels it.
        var failed = await db.TrainingJobs.Where(expired).Where(j => j.RescueCount >= max && !j.CancelRequested)
            .ExecuteUpdateAsync(s => Ended(s, JobStatus.Failed, error, now), ct);
        if (cancelled + failed > 0) await WebhookOutbox.JobsEndedAtAsync(db, now, ct);
        // Each statement sees rows committed since the one before it: a job whose cancel is pending, or that used up
        // its rescues, is never requeued here (the next pass cancels or fails it).
        var requeued = await db.TrainingJobs.Where(expired).Where(j => !j.CancelRequested && j.RescueCount < max)
            .ExecuteUpdateAsync(s => Requeued(s).SetProperty(j => j.RescueCount, j => j.RescueCount + 1), ct);
        if (cancelled + failed > 0)
        {
            await db.Checkpoints.Where(c => db.TrainingJobs.Any(j => j.Id == c.JobId && (j.Status == JobStatus.Cancelled || j.Status == JobStatus.Failed)))
                .ExecuteDeleteAsync(ct);
            // Trials that ended here: their sweeps schedule what follows in this transaction.
            var sweepIds = await db.TrainingJobs.Where(j => j.FinishedAt == now && j.SweepId != null).Select(j => j.SweepId!.Value).Distinct().ToListAsync(ct);
            foreach (var sweepId in sweepIds.Order())
            {
                await SweepScheduler.LockAsync(db, sweepId, ct);
                await sweeps.StepAsync(db, sweepId, ct);
            }
        }
        await transaction.CommitAsync(ct);
        var report = new RescueReport(requeued, cancelled, failed);
        if (report.Total > 0)
            logger.LogWarning("Expired leases: {Requeued} job(s) requeued, {Cancelled} cancelled, {Failed} failed after too many rescues.",
                requeued, cancelled, failed);
        return report;
    }

    /// <summary>The one lease-clearing transition: the job leaves Running for <paramref name="status"/> and nobody holds
    /// its lease any more. Every way off Running (succeed, fail, cancel, pause, release, rescue) starts here.</summary>
    private static UpdateSettersBuilder<TrainingJob> LeaveRunning(UpdateSettersBuilder<TrainingJob> s, JobStatus status, double? etaSeconds = null) =>
        s.SetProperty(j => j.Status, status).SetProperty(j => j.EtaSeconds, etaSeconds)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);

    /// <summary>An end without a model (the rescue pass and <see cref="FinishAsync"/>).</summary>
    private static UpdateSettersBuilder<TrainingJob> Ended(UpdateSettersBuilder<TrainingJob> s, JobStatus status, string? error, DateTime now) =>
        LeaveRunning(s, status).SetProperty(j => j.Error, error).SetProperty(j => j.FinishedAt, now);

    /// <summary>Back to the queue: whichever replica claims it next resumes it from its checkpoint.</summary>
    private static UpdateSettersBuilder<TrainingJob> Requeued(UpdateSettersBuilder<TrainingJob> s) =>
        LeaveRunning(s, JobStatus.Queued).SetProperty(j => j.Worker, (string?)null);
}
