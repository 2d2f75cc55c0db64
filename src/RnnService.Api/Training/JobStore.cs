using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Jobs;
using RnnService.Api.Models;

namespace RnnService.Api.Training;

/// <summary>
/// Every state change of a training job, for any number of replicas on one database. A running job belongs
/// to the claim that holds its lease: each write made for a run is fenced by <see cref="HeldBy"/> (the job, the
/// claim's lease id, status running), in the same statement or transaction as the write, so a replica whose lease
/// expired (and was rescued by another) writes nothing more. The lease is renewed by the heartbeat only.
/// </summary>
public sealed class JobStore(IDbContextFactory<RnnDbContext> dbFactory, IOptions<WorkerOptions> options, ILogger<JobStore> logger)
{
    private const long EnqueueLockKey = 0x526e6e4a6f6273; // "RnnJobs": serialises enqueues across replicas on PostgreSQL
    private const long VersionLockKey = 0x526e6e56657273; // "RnnVers": serialises version numbering across replicas on PostgreSQL
    private WorkerOptions Options => options.Value;

    /// <summary>The fencing condition: the job is running under this lease.</summary>
    private static Expression<Func<TrainingJob, bool>> HeldBy(JobLease lease) =>
        j => j.Id == lease.JobId && j.LeaseOwner == lease.LeaseId && j.Status == JobStatus.Running;

    /// <summary>Stores a queued job, unless its Idempotency-Key was seen (same body: that job; another body: a
    /// conflict) or the queue is full. The key is unique in the database, so two replicas cannot make two jobs for it.</summary>
    public async Task<EnqueueResult> EnqueueAsync(TrainingJob job, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            // SQLite begins this as BEGIN IMMEDIATE; on PostgreSQL an advisory lock does the same for enqueues:
            // the key lookup, the queue count and the insert run as one, so the queue limit holds across replicas.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({EnqueueLockKey})", ct);
            if (job.IdempotencyKey is { } key && await FindByKeyAsync(db, key, ct) is { } existing)
                return Seen(existing, job);
            var queued = await db.TrainingJobs.CountAsync(j => j.Status == JobStatus.Queued, ct);
            if (queued >= Options.MaxQueuedJobs) return new EnqueueResult.QueueFull(queued);
            db.TrainingJobs.Add(job);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct); // committed before 202: the row is the queue
            return new EnqueueResult.Created(job);
        }
        catch (DbUpdateException) when (job.IdempotencyKey is { } key)
        {
            // Lost a race on the unique key: the other request's job is the answer.
            db.ChangeTracker.Clear();
            return await FindByKeyAsync(db, key, ct) is { } winner ? Seen(winner, job) : throw new InvalidOperationException("Idempotency-Key race without a winner.");
        }

        static EnqueueResult Seen(TrainingJob existing, TrainingJob wanted) =>
            existing.RequestHash == wanted.RequestHash ? new EnqueueResult.Existing(existing) : new EnqueueResult.KeyReused(existing);
    }

    private static Task<TrainingJob?> FindByKeyAsync(RnnDbContext db, string key, CancellationToken ct) =>
        db.TrainingJobs.AsNoTracking().FirstOrDefaultAsync(j => j.IdempotencyKey == key, ct);

    /// <summary>Moves the oldest queued job to running under a new lease held by <paramref name="worker"/>; null when none is queued.</summary>
    public async Task<ClaimedJob?> ClaimNextAsync(string worker, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var expires = now + Options.LeaseDuration;
        var lease = $"{worker}/{Guid.NewGuid():N}";
        Guid? id = db.Database.IsNpgsql()
            ? await ClaimWithSkipLockedAsync(db, lease, worker, now, expires, ct)
            : await ClaimWithConditionalUpdateAsync(db, lease, worker, now, expires, ct);
        if (id is not { } jobId) return null;
        var job = await db.TrainingJobs.AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        return new ClaimedJob(job, new JobLease(jobId, lease));
    }

    /// <summary>PostgreSQL: replicas claim different rows at once; a row another replica is claiming is skipped, not waited for.</summary>
    private static async Task<Guid?> ClaimWithSkipLockedAsync(RnnDbContext db, string lease, string worker, DateTime now, DateTime expires, CancellationToken ct)
    {
        var ids = await db.Database.SqlQuery<Guid>($"""
            UPDATE "TrainingJobs" SET "Status" = 'Running', "LeaseOwner" = {lease}, "LeaseExpiresAt" = {expires},
                "Worker" = {worker}, "StartedAt" = COALESCE("StartedAt", {now})
            WHERE "Id" = (SELECT "Id" FROM "TrainingJobs" WHERE "Status" = 'Queued'
                          ORDER BY "CreatedAt", "Id" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(ct);
        return ids.Count == 0 ? null : ids[0];
    }

    /// <summary>SQLite (one writer at a time): pick the oldest queued row, then move it only if it is still queued.</summary>
    private static async Task<Guid?> ClaimWithConditionalUpdateAsync(RnnDbContext db, string lease, string worker, DateTime now, DateTime expires, CancellationToken ct)
    {
        while (true)
        {
            var id = await db.TrainingJobs.Where(j => j.Status == JobStatus.Queued)
                .OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(ct);
            if (id is null) return null;
            var claimed = await db.TrainingJobs.Where(j => j.Id == id && j.Status == JobStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Running)
                    .SetProperty(j => j.LeaseOwner, lease).SetProperty(j => j.LeaseExpiresAt, expires)
                    .SetProperty(j => j.Worker, worker).SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), ct);
            if (claimed == 1) return id;
        }
    }

    /// <summary>A model's weights file (the base of a fine-tuning job); null when the model is gone.</summary>
    public async Task<byte[]?> LoadModelWeightsAsync(Guid modelId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ModelWeights.AsNoTracking().Where(w => w.ModelId == modelId).Select(w => w.Bytes).FirstOrDefaultAsync(ct);
    }

    /// <summary>The job's latest checkpoint, if it has one.</summary>
    public async Task<Checkpoint?> LoadCheckpointAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Checkpoints.AsNoTracking().FirstOrDefaultAsync(c => c.JobId == jobId, ct);
    }

    /// <summary>Whether an earlier run of the job recorded anything: epochs and checkpoints are only ever written together
    /// with CurrentEpoch (in <see cref="RecordProgressAsync"/>), so a job still at epoch 0 has neither.</summary>
    public static bool HasRunBefore(TrainingJob job) => job.CurrentEpoch > 0;

    /// <summary>A run starts after <paramref name="fromEpoch"/> (0: from scratch): epochs after it are trained again, so their rows go.</summary>
    public async Task<bool> BeginRunAsync(JobLease lease, int fromEpoch, bool resumed, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.ResumedFromEpoch, resumed ? fromEpoch : null).SetProperty(j => j.CurrentEpoch, fromEpoch), ct);
        if (owned == 0) return false;
        await db.EpochMetrics.Where(m => m.JobId == lease.JobId && m.Epoch > fromEpoch).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Writes finished epochs (consecutive, in order) and optionally a checkpoint, in one transaction.
    /// A checkpoint is only ever written with every epoch up to it, so a resumed job loses no epoch's row.</summary>
    public async Task<bool> RecordProgressAsync(JobLease lease, IReadOnlyList<EpochMetric> epochs, double? etaSeconds,
        Checkpoint? checkpoint, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var owned = epochs.Count == 0
            ? await db.TrainingJobs.CountAsync(HeldBy(lease), ct)
            : await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.CurrentEpoch, epochs[^1].Epoch).SetProperty(j => j.EtaSeconds, etaSeconds), ct);
        if (owned == 0) return false;
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        if (checkpoint is not null)
        {
            var updated = await db.Checkpoints.Where(c => c.JobId == lease.JobId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Epoch, checkpoint.Epoch).SetProperty(c => c.Bytes, checkpoint.Bytes)
                .SetProperty(c => c.UpdatedAt, checkpoint.UpdatedAt), ct);
            if (updated == 0) db.Checkpoints.Add(checkpoint);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    private static async Task AddEpochsAsync(RnnDbContext db, Guid jobId, IReadOnlyList<EpochMetric> epochs, CancellationToken ct)
    {
        if (epochs.Count == 0) return;
        // A batch retried after an unclear failure may already be there: it replaces itself.
        var first = epochs[0].Epoch;
        await db.EpochMetrics.Where(m => m.JobId == jobId && m.Epoch >= first).ExecuteDeleteAsync(ct);
        db.EpochMetrics.AddRange(epochs);
    }

    /// <summary>Extends the lease; says whether it is still held and whether a cancel was recorded (by any replica).</summary>
    public async Task<LeaseState> RenewAsync(JobLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expires = DateTime.UtcNow + Options.LeaseDuration;
        var renewed = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, expires), ct);
        if (renewed == 0) return LeaseState.Lost;
        return await IsCancelRequestedAsync(db, lease.JobId, ct) ? LeaseState.CancelRequested : LeaseState.Held;
    }

    /// <summary>Whether anyone asked to cancel the job; read often by the replica that runs it.</summary>
    public async Task<bool> IsCancelRequestedAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await IsCancelRequestedAsync(db, jobId, ct);
    }

    private static Task<bool> IsCancelRequestedAsync(RnnDbContext db, Guid jobId, CancellationToken ct) =>
        db.TrainingJobs.AnyAsync(j => j.Id == jobId && j.CancelRequested, ct);

    /// <summary>What a user asked of the running job, read often by the replica that runs it: cancel wins over pause.</summary>
    public async Task<StopRequest> ReadStopRequestAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flags = await db.TrainingJobs.Where(j => j.Id == jobId).Select(j => new { j.CancelRequested, j.PauseRequested }).FirstOrDefaultAsync(ct);
        return flags is null ? StopRequest.None : flags.CancelRequested ? StopRequest.Cancel : flags.PauseRequested ? StopRequest.Pause : StopRequest.None;
    }

    /// <summary>The run stopped at a pause request after its checkpoint: the job waits, paused, until it is resumed
    /// (the checkpoint stays, so it continues exactly where it stopped).</summary>
    public async Task<bool> PauseAsync(JobLease lease, IReadOnlyList<EpochMetric> epochs, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var lastEpoch = epochs.Count > 0 ? epochs[^1].Epoch : (int?)null;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Paused).SetProperty(j => j.PauseRequested, false)
            .SetProperty(j => j.CurrentEpoch, j => lastEpoch ?? j.CurrentEpoch).SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        if (owned == 0) return false;
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

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

    /// <summary>The job succeeded: its remaining epochs, the model and its weights are stored with the lease check, or nothing is.
    /// A named model gets the next version of its name here, in the same transaction; the unique (name, version) index
    /// makes a second replica that raced for the same number fail, and the runner's retry of this write numbers it again.</summary>
    public async Task<bool> SucceedAsync(JobLease lease, IReadOnlyList<EpochMetric> epochs, Model model, ModelWeights weights,
        int finalEpoch, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Succeeded).SetProperty(j => j.ModelId, model.Id)
            .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.CurrentEpoch, finalEpoch).SetProperty(j => j.EtaSeconds, 0.0)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        if (owned == 0) return false;
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        if (model.Name is { } name)
        {
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({VersionLockKey})", ct);
            model.Version = (await db.Models.Where(m => m.Name == name).MaxAsync(m => m.Version, ct) ?? 0) + 1;
        }
        db.Models.Add(model);
        db.ModelWeights.Add(weights);
        await db.SaveChangesAsync(ct);
        await db.Checkpoints.Where(c => c.JobId == lease.JobId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The run ended without a model: <paramref name="status"/> is failed or cancelled.</summary>
    public async Task<bool> FinishAsync(JobLease lease, JobStatus status, string? error, IReadOnlyList<EpochMetric> epochs, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        var lastEpoch = epochs.Count > 0 ? epochs[^1].Epoch : (int?)null;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, status).SetProperty(j => j.Error, error)
            .SetProperty(j => j.CurrentEpoch, j => lastEpoch ?? j.CurrentEpoch)
            .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        if (owned == 0) return false;
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        await db.SaveChangesAsync(ct);
        await db.Checkpoints.Where(c => c.JobId == lease.JobId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>This replica is shutting down (or lost its database while starting the run): the job goes back to the queue
    /// and resumes from its checkpoint wherever it is claimed next.</summary>
    public async Task<bool> ReleaseAsync(JobLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(j => j.Worker, (string?)null), ct) == 1;
    }

    /// <summary>Jobs whose replica stopped renewing their lease: back to the queue (they resume from their checkpoint),
    /// cancelled when a cancel was pending, or failed once they were rescued more than Worker:MaxRescues times.</summary>
    public async Task<RescueReport> RescueExpiredAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var max = Options.MaxRescues;
        Expression<Func<TrainingJob, bool>> expired = j => j.Status == JobStatus.Running && j.LeaseExpiresAt < now;
        var cancelled = await db.TrainingJobs.Where(expired).Where(j => j.CancelRequested)
            .ExecuteUpdateAsync(s => Ended(s, JobStatus.Cancelled, null, now), ct);
        var error = $"The job's worker stopped renewing its lease {max + 1} times (Worker:MaxRescues = {max}); it is not retried again. " +
            "Look for a replica that crashes on it (out of memory?).";
        var failed = await db.TrainingJobs.Where(expired).Where(j => j.RescueCount >= max)
            .ExecuteUpdateAsync(s => Ended(s, JobStatus.Failed, error, now), ct);
        // Each statement sees rows committed since the one before it: a job whose cancel is pending, or that used up
        // its rescues, is never requeued here (the next pass cancels or fails it).
        var requeued = await db.TrainingJobs.Where(expired).Where(j => !j.CancelRequested && j.RescueCount < max)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.RescueCount, j => j.RescueCount + 1)
                .SetProperty(j => j.EtaSeconds, (double?)null)
                .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.Worker, (string?)null), ct);
        if (cancelled + failed > 0)
            await db.Checkpoints.Where(c => db.TrainingJobs.Any(j => j.Id == c.JobId && (j.Status == JobStatus.Cancelled || j.Status == JobStatus.Failed)))
                .ExecuteDeleteAsync(ct);
        var report = new RescueReport(requeued, cancelled, failed);
        if (report.Total > 0)
            logger.LogWarning("Expired leases: {Requeued} job(s) requeued, {Cancelled} cancelled, {Failed} failed after too many rescues.",
                requeued, cancelled, failed);
        return report;
    }

    private static void Ended(Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<TrainingJob> s, JobStatus status, string? error, DateTime now) =>
        s.SetProperty(j => j.Status, status).SetProperty(j => j.Error, error).SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);

    /// <summary>A user asked to cancel: a queued job is cancelled at once; a running one is marked, and the replica
    /// that runs it stops it (it reads the mark within Worker:ProgressInterval).</summary>
    public async Task<CancelOutcome> RequestCancelAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var cancelledQueued = await db.TrainingJobs.Where(j => j.Id == jobId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Paused))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.CancelRequested, true).SetProperty(j => j.FinishedAt, now), ct);
        if (cancelledQueued == 1) return CancelOutcome.Cancelled;
        var marked = await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        if (marked == 1) return CancelOutcome.Requested;
        return await db.TrainingJobs.AnyAsync(j => j.Id == jobId, ct) ? CancelOutcome.AlreadyFinished : CancelOutcome.NotFound;
    }
}
