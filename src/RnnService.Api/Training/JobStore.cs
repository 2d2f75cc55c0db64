using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Sweeps;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Training;

/// <summary>
/// Every state change of a training job, for any number of replicas on one database. A running job belongs
/// to the claim that holds its lease: each write made for a run is fenced by <see cref="HeldBy"/> (the job, the
/// claim's lease id, status running), in the same statement or transaction as the write, so a replica whose lease
/// expired (and was rescued by another) writes nothing more. The lease is renewed by the heartbeat only.
/// </summary>
public sealed partial class JobStore(IDbContextFactory<RnnDbContext> dbFactory, IOptions<WorkerOptions> options, SweepScheduler sweeps,
    IOptions<LimitsOptions> limits, ILogger<JobStore> logger)
{
    private const long EnqueueLockKey = 0x526e6e4a6f6273; // "RnnJobs": serialises enqueues across replicas on PostgreSQL
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
            await LockEnqueuesAsync(db, ct);
            if (job.IdempotencyKey is { } key && await FindByKeyAsync(db, key, ct) is { } existing)
                return Seen(existing, job);
            // Checked again under the lock a delete takes too (LockEnqueuesAsync): a dataset or base model deleted since
            // POST /train looked it up is refused here, not found missing when the job runs.
            if (!DatasetCatalog.IsBuiltIn(job.Dataset) && !await db.Datasets.AnyAsync(d => d.Name == job.Dataset, ct))
                return new EnqueueResult.Gone("dataset", $"The dataset '{job.Dataset}' was deleted.");
            if (job.InitFromModelId is { } baseId && !await db.Models.AnyAsync(m => m.Id == baseId, ct))
                return new EnqueueResult.Gone("initFrom", $"The model {baseId} was deleted.");
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

    /// <summary>Inside a transaction: waits for enqueues in flight and holds new ones off until it ends, so a delete that
    /// checks no job uses a dataset or model cannot race a POST /train that is about to queue one. SQLite's transactions
    /// (BEGIN IMMEDIATE) are serialised anyway; on PostgreSQL this takes the advisory lock that enqueues take.</summary>
    public static async Task LockEnqueuesAsync(RnnDbContext db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({EnqueueLockKey})", ct);
    }

    /// <summary>Jobs that will still read their dataset or base model: queued, running or paused.</summary>
    public static IQueryable<TrainingJob> Unfinished(RnnDbContext db) =>
        db.TrainingJobs.Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running || j.Status == JobStatus.Paused);

    private static Task<TrainingJob?> FindByKeyAsync(RnnDbContext db, string key, CancellationToken ct) =>
        db.TrainingJobs.AsNoTracking().FirstOrDefaultAsync(j => j.IdempotencyKey == key, ct);

    /// <summary>Moves the oldest queued job to running under a new lease held by <paramref name="worker"/>, in one
    /// statement that returns the claimed row; null when none is queued.</summary>
    public async Task<ClaimedJob?> ClaimNextAsync(string worker, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var expires = now + Options.LeaseDuration;
        var lease = $"{worker}/{Guid.NewGuid():N}";
        // PostgreSQL: replicas claim different rows at once; a row another replica is claiming is skipped, not
        // waited for. SQLite has one writer at a time, so the statement that picks the oldest queued row also moves
        // it before any other connection (or process on the same file) can.
        var locking = db.Database.IsNpgsql() ? " FOR UPDATE SKIP LOCKED" : "";
        var claimed = await db.TrainingJobs.FromSql(FormattableStringFactory.Create($$"""
            UPDATE "TrainingJobs" SET "Status" = 'Running', "LeaseOwner" = {0}, "LeaseExpiresAt" = {1},
                "Worker" = {2}, "StartedAt" = COALESCE("StartedAt", {3})
            WHERE "Id" = (SELECT "Id" FROM "TrainingJobs" WHERE "Status" = 'Queued' ORDER BY "CreatedAt", "Id" LIMIT 1{{locking}})
            RETURNING *
            """, lease, expires, worker, now)).AsNoTracking().ToListAsync(ct);
        return claimed.Count == 0 ? null : new ClaimedJob(claimed[0], new JobLease(claimed[0].Id, lease));
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
    public async Task<bool> RecordProgressAsync(JobLease lease, IReadOnlyList<JobEpoch> epochs, double? etaSeconds,
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

    private static async Task AddEpochsAsync(RnnDbContext db, Guid jobId, IReadOnlyList<JobEpoch> epochs, CancellationToken ct)
    {
        if (epochs.Count == 0) return;
        // A batch retried after an unclear failure may already be there: it replaces itself.
        var first = epochs[0].Epoch;
        await db.EpochMetrics.Where(m => m.JobId == jobId && m.Epoch >= first).ExecuteDeleteAsync(ct);
        db.EpochMetrics.AddRange(epochs);
    }

    /// <summary>The check a running job's replica makes every Worker:ProgressInterval: extends the lease when
    /// <paramref name="extendLease"/> (every Worker:HeartbeatInterval), and says what stops the run.</summary>
    public async Task<StopRequest> RenewAsync(JobLease lease, bool extendLease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (extendLease)
        {
            var expires = DateTime.UtcNow + Options.LeaseDuration;
            var renewed = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, expires), ct);
            if (renewed == 0) return StopRequest.LeaseLost;
        }
        var flags = await db.TrainingJobs.Where(HeldBy(lease)).Select(j => new { j.CancelRequested, j.PauseRequested }).FirstOrDefaultAsync(ct);
        return flags is null ? StopRequest.LeaseLost
            : flags.CancelRequested ? StopRequest.Cancel : flags.PauseRequested ? StopRequest.Pause : StopRequest.None;
    }

    /// <summary>The run stopped at a pause request (or at its sweep rung) after its checkpoint: the job waits, paused, until
    /// it is resumed (the checkpoint stays, so it continues exactly where it stopped). A request withdrawn since the run
    /// read it (its sweep was resumed) sends the job back to the queue instead, to continue from that checkpoint: paused,
    /// it would hold its sweep's slot with nothing left to resume it.</summary>
    public async Task<bool> PauseAsync(JobLease lease, IReadOnlyList<JobEpoch> epochs, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var sweepId = await SweepScheduler.LockForJobAsync(db, lease.JobId, ct);
        var lastEpoch = epochs.Count > 0 ? epochs[^1].Epoch : (int?)null;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).Where(j => j.PauseRequested || j.PauseAtEpoch == (lastEpoch ?? j.CurrentEpoch))
            .ExecuteUpdateAsync(s => LeaveRunning(s, JobStatus.Paused)
                .SetProperty(j => j.PauseRequested, false).SetProperty(j => j.CurrentEpoch, j => lastEpoch ?? j.CurrentEpoch), ct);
        if (owned == 0)
        {
            owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => Requeued(s)
                .SetProperty(j => j.CurrentEpoch, j => lastEpoch ?? j.CurrentEpoch), ct);
            if (owned == 0) return false;
            logger.LogInformation("Job {JobId}: its pause was withdrawn as it stopped; back to the queue from its checkpoint.", lease.JobId);
        }
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        await db.SaveChangesAsync(ct);
        await StepSweepAsync(db, sweepId, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The job succeeded: its remaining epochs, the model and its weights are stored with the lease check, or nothing is.
    /// A named model gets the next version of its name here, in the same transaction; the unique (name, version) index
    /// makes a second replica that raced for the same number fail, and the runner's retry of this write numbers it again.</summary>
    /// <exception cref="StorageLimitException">The weights do not fit in Limits:MaxStoredBytes (the job's own checkpoint,
    /// which they replace, not counted); nothing was written.</exception>
    public async Task<bool> SucceedAsync(JobLease lease, IReadOnlyList<JobEpoch> epochs, Model model, ModelWeights weights,
        int finalEpoch, int? bestEpoch, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var sweepId = await SweepScheduler.LockForJobAsync(db, lease.JobId, ct);
        var now = DateTime.UtcNow;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => LeaveRunning(s, JobStatus.Succeeded, etaSeconds: 0.0)
            .SetProperty(j => j.ModelId, model.Id).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.CurrentEpoch, finalEpoch)
            .SetProperty(j => j.BestEpoch, bestEpoch), ct);
        if (owned == 0) return false;
        await StorageQuota.LockAsync(db, ct);
        if (await StorageQuota.FindShortfallAsync(db, weights.Bytes.Length, limits.Value.MaxStoredBytes, $"The model of job {lease.JobId}",
                replacedCheckpoint: lease.JobId, ct) is { } shortfall)
            throw new StorageLimitException(shortfall);
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        if (model.Name is { } name) model.Version = await RegistryWrites.NextVersionAsync(db, name, ct);
        db.Models.Add(model);
        db.ModelWeights.Add(weights);
        await db.SaveChangesAsync(ct);
        await db.Checkpoints.Where(c => c.JobId == lease.JobId).ExecuteDeleteAsync(ct);
        await WebhookOutbox.JobEndedAsync(db, lease.JobId, ct);
        await StepSweepAsync(db, sweepId, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The run ended without a model: <paramref name="status"/> is failed or cancelled.</summary>
    public async Task<bool> FinishAsync(JobLease lease, JobStatus status, string? error, IReadOnlyList<JobEpoch> epochs, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var sweepId = await SweepScheduler.LockForJobAsync(db, lease.JobId, ct);
        var now = DateTime.UtcNow;
        var lastEpoch = epochs.Count > 0 ? epochs[^1].Epoch : (int?)null;
        var owned = await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s =>
            Ended(s, status, error, now).SetProperty(j => j.CurrentEpoch, j => lastEpoch ?? j.CurrentEpoch), ct);
        if (owned == 0) return false;
        await AddEpochsAsync(db, lease.JobId, epochs, ct);
        await db.SaveChangesAsync(ct);
        await db.Checkpoints.Where(c => c.JobId == lease.JobId).ExecuteDeleteAsync(ct);
        await WebhookOutbox.JobEndedAsync(db, lease.JobId, ct);
        await StepSweepAsync(db, sweepId, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>A trial's job changed: its sweep's scheduler decides what follows, in the same transaction (its row was
    /// locked first, by <see cref="SweepScheduler.LockForJobAsync"/>).</summary>
    private async Task StepSweepAsync(RnnDbContext db, Guid? sweepId, CancellationToken ct)
    {
        if (sweepId is { } id) await sweeps.StepAsync(db, id, ct);
    }

    /// <summary>This replica is shutting down (or lost its database while starting the run): the job goes back to the queue
    /// and resumes from its checkpoint wherever it is claimed next.</summary>
    public async Task<bool> ReleaseAsync(JobLease lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TrainingJobs.Where(HeldBy(lease)).ExecuteUpdateAsync(s => Requeued(s), ct) == 1;
    }
}
