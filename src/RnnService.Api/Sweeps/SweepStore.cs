using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Jobs;
using RnnService.Engine.Training;

namespace RnnService.Api.Sweeps;

/// <summary>What users do to a sweep (create, cancel, pause, resume, delete), each in one transaction with the sweep's row
/// locked, as the scheduler's decisions are; what happens to the trials' jobs happens in the same transaction.</summary>
public sealed class SweepStore(IDbContextFactory<RnnDbContext> dbFactory, SweepScheduler scheduler)
{
    /// <summary>The sweep a POST stored (New), found for its Idempotency-Key (Existing), or found for that key with another request (KeyReused).</summary>
    public abstract record Created(Guid Id)
    {
        public sealed record New(Guid Id) : Created(Id);
        public sealed record Existing(Guid Id) : Created(Id);
        public sealed record KeyReused(Guid Id) : Created(Id);
    }

    /// <summary>The statuses each user action applies to.</summary>
    public static readonly SweepStatus[] CancelFrom = [SweepStatus.Running, SweepStatus.Paused], PauseFrom = [SweepStatus.Running],
        ResumeFrom = [SweepStatus.Paused], DeleteFrom = [SweepStatus.Succeeded, SweepStatus.Failed, SweepStatus.Cancelled];

    /// <summary>Stores the sweep and starts its first trials (<paramref name="unchangedTrial"/>: trial 0's settings, see
    /// <see cref="SweepScheduler.AddUnchangedTrial"/>), unless its Idempotency-Key was seen (same request: that sweep;
    /// another: a conflict); the key is unique in the database, so two replicas cannot make two sweeps for it.</summary>
    public async Task<Created> CreateAsync(Sweep sweep, Hyperparameters? unchangedTrial, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (sweep.IdempotencyKey is { } key && await FindByKeyAsync(db, key, ct) is { } existing) return Seen(existing, sweep);
            db.Sweeps.Add(sweep);
            await db.SaveChangesAsync(ct);
            await SweepScheduler.LockAsync(db, sweep.Id, ct);
            if (unchangedTrial is not null) SweepScheduler.AddUnchangedTrial(db, sweep, unchangedTrial, sweep.CreatedAt);
            await db.SaveChangesAsync(ct);
            await scheduler.StepAsync(db, sweep.Id, ct);
            await transaction.CommitAsync(ct);
            return new Created.New(sweep.Id);
        }
        catch (DbUpdateException) when (sweep.IdempotencyKey is { } key)
        {
            db.ChangeTracker.Clear();
            return await FindByKeyAsync(db, key, ct) is { } winner ? Seen(winner, sweep) : throw new InvalidOperationException("Idempotency-Key race without a winner.");
        }

        static Created Seen(Sweep existing, Sweep wanted) =>
            existing.RequestHash == wanted.RequestHash ? new Created.Existing(existing.Id) : new Created.KeyReused(existing.Id);
    }

    private static Task<Sweep?> FindByKeyAsync(RnnDbContext db, string key, CancellationToken ct) =>
        db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.IdempotencyKey == key, ct);

    /// <summary>The status the sweep had (null: no such sweep); only a sweep in one of <paramref name="from"/> was changed.</summary>
    private async Task<SweepStatus?> ChangeAsync(Guid id, SweepStatus[] from, Func<RnnDbContext, Sweep, Task> change, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await SweepScheduler.LockAsync(db, id, ct);
        var sweep = await db.Sweeps.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (sweep is null) return null;
        var was = sweep.Status;
        if (!from.Contains(was)) return was;
        await change(db, sweep);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return was;
    }

    /// <summary>Ends the sweep without a model: trials queued or waiting are cancelled at once (checkpoints freed), running ones
    /// are marked and stop within Worker:ProgressInterval.</summary>
    public Task<SweepStatus?> CancelAsync(Guid id, CancellationToken ct) =>
        ChangeAsync(id, CancelFrom, async (db, sweep) =>
        {
            var now = DateTime.UtcNow;
            (sweep.Status, sweep.FinishedAt, sweep.Error) = (SweepStatus.Cancelled, now, "Cancelled by a user.");
            await SweepScheduler.EndWaitingTrialsAsync(db, id, now, "The sweep was cancelled.", ct);
            await db.TrainingJobs.Where(j => j.SweepId == id && j.Status == JobStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        }, ct);

    /// <summary>Stops scheduling; queued trials are paused at once, running ones checkpoint at the end of their epoch.</summary>
    public Task<SweepStatus?> PauseAsync(Guid id, CancellationToken ct) =>
        ChangeAsync(id, PauseFrom, async (db, sweep) =>
        {
            sweep.Status = SweepStatus.Paused;
            await db.TrainingJobs.Where(j => j.SweepId == id && j.Status == JobStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Paused).SetProperty(j => j.EtaSeconds, (double?)null), ct);
            await db.TrainingJobs.Where(j => j.SweepId == id && j.Status == JobStatus.Running && !j.CancelRequested)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.PauseRequested, true), ct);
        }, ct);

    /// <summary>Queues the trials the pause stopped between rungs (they continue from their checkpoints) and schedules again.</summary>
    public Task<SweepStatus?> ResumeAsync(Guid id, CancellationToken ct) =>
        ChangeAsync(id, ResumeFrom, async (db, sweep) =>
        {
            sweep.Status = SweepStatus.Running;
            await db.TrainingJobs.Where(j => j.SweepId == id && (j.Status == JobStatus.Paused && j.PauseAtEpoch != j.CurrentEpoch || j.PauseRequested))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, j => j.Status == JobStatus.Paused ? JobStatus.Queued : j.Status)
                    .SetProperty(j => j.PauseRequested, false).SetProperty(j => j.Worker, j => j.Status == JobStatus.Paused ? null : j.Worker), ct);
            await db.SaveChangesAsync(ct);
            await scheduler.StepAsync(db, id, ct);
        }, ct);

    /// <summary>Deletes a finished sweep and its trial rows; the trials' jobs and the registered model stay.</summary>
    public Task<SweepStatus?> DeleteAsync(Guid id, CancellationToken ct) =>
        ChangeAsync(id, DeleteFrom, async (db, sweep) =>
        {
            await db.TrainingJobs.Where(j => j.SweepId == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.SweepId, (Guid?)null), ct);
            db.Sweeps.Remove(sweep);
        }, ct);
}
