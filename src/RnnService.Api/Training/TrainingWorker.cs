using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Models;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Training;

/// <summary>Claims queued jobs with a lease, trains each on its own thread, and records epochs,
/// checkpoints and the final model. Every write re-checks the lease in the same statement or
/// transaction, so a worker that lost its job (its lease expired and someone else took it) writes nothing.</summary>
public sealed class TrainingWorker(
    IDbContextFactory<RnnDbContext> dbFactory,
    JobQueue queue,
    JobEvents events,
    RunningJobs runningJobs,
    WorkerHealth health,
    DatasetCatalog datasets,
    IOptions<WorkerOptions> options,
    ILogger<TrainingWorker> logger,
    RnnMetrics rnnMetrics) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;

    /// <summary>Who holds a lease (host/process), for people reading the database; each claim adds a unique suffix.</summary>
    public string Owner { get; } = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            health.Tick();
            running.RemoveAll(t => t.IsCompleted);
            try
            {
                await RequeueExpiredLeasesAsync(stoppingToken);
                while (running.Count < Math.Max(1, _options.MaxConcurrentJobs) && await TryClaimNextAsync(stoppingToken) is { } claim)
                    running.Add(RunJobAsync(claim.Job, claim.LeaseId, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Worker loop iteration failed; retrying.");
            }
            try
            {
                await queue.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Running jobs see the stopping token within a batch and hand themselves back to the queue.
        await Task.WhenAll(running);
    }

    /// <summary>A crashed worker's jobs go back to the queue (and resume from their checkpoint).</summary>
    private async Task RequeueExpiredLeasesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var cancelled = await db.TrainingJobs
            .Where(j => j.Status == JobStatus.Running && j.LeaseExpiresAt < now && j.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled).SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        var requeued = await db.TrainingJobs
            .Where(j => j.Status == JobStatus.Running && j.LeaseExpiresAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        rnnMetrics.LeaseRescued(requeued, cancelled);
        if (cancelled + requeued > 0)
            logger.LogWarning("Expired leases: {Requeued} job(s) requeued, {Cancelled} cancelled.", requeued, cancelled);
    }

    private async Task<(TrainingJob Job, string LeaseId)?> TryClaimNextAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        while (true)
        {
            var id = await db.TrainingJobs.Where(j => j.Status == JobStatus.Queued)
                .OrderBy(j => j.CreatedAt).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(ct);
            if (id is null) return null;
            var now = DateTime.UtcNow;
            var expires = now + _options.LeaseDuration;
            var leaseId = $"{Owner}/{Guid.NewGuid():N}";
            // Conditional update: only one worker can move the row out of "queued".
            var claimed = await db.TrainingJobs.Where(j => j.Id == id && j.Status == JobStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Running)
                    .SetProperty(j => j.LeaseOwner, leaseId).SetProperty(j => j.LeaseExpiresAt, expires)
                    .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), ct);
            if (claimed == 1)
                return (await db.TrainingJobs.AsNoTracking().FirstAsync(j => j.Id == id, ct), leaseId);
        }
    }

    private async Task RunJobAsync(TrainingJob job, string leaseId, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(_options.JobTimeLimit);
        var run = new JobRun(job.Id, leaseId, cts);
        runningJobs.Add(run);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(run, heartbeatStop.Token);
        events.Publish(job.Id);
        try
        {
            logger.LogInformation("Training job {JobId} ({Task}, {Architecture}, dataset {Dataset}).", job.Id, job.Task, job.Architecture, job.Dataset);
            var result = await Task.Factory.StartNew(() => Train(job, run), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await StoreModelAsync(job, result, run);
        }
        catch (OperationCanceledException) when (run.LeaseLost)
        {
            logger.LogWarning("Job {JobId}: lease lost; another worker owns it now, nothing written.", job.Id);
        }
        catch (OperationCanceledException) when (run.CancelRequested)
        {
            await FinishAsync(run, JobStatus.Cancelled, null);
            rnnMetrics.JobFinished(job.Task, JobStatus.Cancelled, job.StartedAt);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ReleaseAsync(run);
        }
        catch (OperationCanceledException)
        {
            rnnMetrics.JobFailed(job.Task, TrainingFailure.TimeLimit, job.StartedAt);
            await FinishAsync(run, JobStatus.Failed, $"The job exceeded its time limit of {_options.JobTimeLimit} (Worker:JobTimeLimit).");
        }
        catch (TrainingDivergedException ex)
        {
            rnnMetrics.JobFailed(job.Task, TrainingFailure.Diverged, job.StartedAt);
            await FinishAsync(run, JobStatus.Failed, $"Training diverged: {ex.Message} No model was stored; try a lower learningRate or a clipNorm.");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Job {JobId} failed.", job.Id);
            rnnMetrics.JobFailed(job.Task, TrainingFailure.Error, job.StartedAt);
            await FinishAsync(run, JobStatus.Failed, ex.Message);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            runningJobs.Remove(job.Id);
            events.Publish(job.Id);
            queue.Wake(job.Id);
        }
    }

    /// <summary>Runs on a dedicated thread: loads data and checkpoint, then trains synchronously.</summary>
    private TrainingResult Train(TrainingJob job, JobRun run)
    {
        var hyperparameters = job.GetHyperparameters();
        var data = datasets.Load(job.Dataset);
        var resumeFrom = LoadCheckpoint(run);
        var seconds = new List<double>();
        var callbacks = new TrainingCallbacks
        {
            OnEpoch = m => RecordEpoch(job, m, seconds, run),
            OnCheckpoint = c => SaveCheckpoint(c, run),
        };
        return Trainer.Train(job.Task, job.Architecture, hyperparameters, data, callbacks, resumeFrom, run.Token);
    }

    private TrainingCheckpoint? LoadCheckpoint(JobRun run)
    {
        var jobId = run.JobId;
        using var db = dbFactory.CreateDbContext();
        var stored = db.Checkpoints.AsNoTracking().FirstOrDefault(c => c.JobId == jobId);
        TrainingCheckpoint? checkpoint = null;
        if (stored is not null)
        {
            try
            {
                checkpoint = TrainingCheckpoint.FromBytes(stored.Bytes);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job {JobId}: unreadable checkpoint; training from the start.", jobId);
            }
        }
        var from = checkpoint?.Epoch ?? 0;
        using var tx = db.Database.BeginTransaction();
        if (RenewLease(db, run, s => s.SetProperty(j => j.ResumedFromEpoch, checkpoint == null ? null : from)
                .SetProperty(j => j.CurrentEpoch, from)) == 0)
            LoseLease(run);
        // Epochs after the checkpoint will be trained again.
        db.EpochMetrics.Where(m => m.JobId == jobId && m.Epoch > from).ExecuteDelete();
        tx.Commit();
        if (checkpoint is not null) logger.LogInformation("Job {JobId}: resuming from the checkpoint after epoch {Epoch}.", jobId, from);
        return checkpoint;
    }

    private void RecordEpoch(TrainingJob job, EpochMetrics metrics, List<double> seconds, JobRun run)
    {
        if (!double.IsFinite(metrics.TrainLoss)) return; // the engine throws TrainingDivergedException next
        seconds.Add(metrics.Seconds);
        double? eta = Math.Round(seconds.Average() * Math.Max(0, job.TotalEpochs - metrics.Epoch), 1);
        using var db = dbFactory.CreateDbContext();
        using var tx = db.Database.BeginTransaction();
        if (RenewLease(db, run, s => s.SetProperty(j => j.CurrentEpoch, metrics.Epoch).SetProperty(j => j.EtaSeconds, eta)) == 0)
            LoseLease(run);
        db.EpochMetrics.Where(m => m.JobId == job.Id && m.Epoch == metrics.Epoch).ExecuteDelete();
        db.EpochMetrics.Add(EpochMetric.From(job.Id, metrics, DateTime.UtcNow));
        db.SaveChanges();
        tx.Commit();
        rnnMetrics.EpochTrained(job.Task, job.Architecture, metrics.Seconds);
        events.Publish(job.Id);
    }

    private void SaveCheckpoint(TrainingCheckpoint checkpoint, JobRun run)
    {
        var jobId = run.JobId;
        var bytes = checkpoint.ToBytes();
        using var db = dbFactory.CreateDbContext();
        using var tx = db.Database.BeginTransaction();
        if (RenewLease(db, run, s => { }) == 0) LoseLease(run);
        var now = DateTime.UtcNow;
        var updated = db.Checkpoints.Where(c => c.JobId == jobId).ExecuteUpdate(s => s
            .SetProperty(c => c.Epoch, checkpoint.Epoch).SetProperty(c => c.Bytes, bytes).SetProperty(c => c.UpdatedAt, now));
        if (updated == 0)
        {
            db.Checkpoints.Add(new Checkpoint { JobId = jobId, Epoch = checkpoint.Epoch, Bytes = bytes, UpdatedAt = now });
            db.SaveChanges();
        }
        tx.Commit();
    }

    /// <summary>Extends this worker's lease and applies <paramref name="also"/>; 0 rows means the lease is gone.</summary>
    private int RenewLease(RnnDbContext db, JobRun run,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<TrainingJob>> also)
    {
        var expires = DateTime.UtcNow + _options.LeaseDuration;
        return db.TrainingJobs.Where(j => j.Id == run.JobId && j.LeaseOwner == run.LeaseId && j.Status == JobStatus.Running)
            .ExecuteUpdate(s =>
            {
                s.SetProperty(j => j.LeaseExpiresAt, expires);
                also(s);
            });
    }

    private static void LoseLease(JobRun run)
    {
        run.MarkLeaseLost();
        run.Token.ThrowIfCancellationRequested();
    }

    private async Task HeartbeatAsync(JobRun run, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stop);
                    var expires = DateTime.UtcNow + _options.LeaseDuration;
                    var renewed = await db.TrainingJobs
                        .Where(j => j.Id == run.JobId && j.LeaseOwner == run.LeaseId && j.Status == JobStatus.Running)
                        .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, expires), stop);
                    if (renewed == 0)
                    {
                        run.MarkLeaseLost();
                        return;
                    }
                    // A cancel may have been recorded by another instance of the service.
                    if (await db.TrainingJobs.AnyAsync(j => j.Id == run.JobId && j.CancelRequested, stop))
                        run.RequestCancel();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Heartbeat for job {JobId} failed.", run.JobId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StoreModelAsync(TrainingJob job, TrainingResult result, JobRun run)
    {
        var model = result.Model;
        var last = result.History.Count > 0 ? result.History[^1] : null;
        var entity = new Model
        {
            Id = Guid.NewGuid(),
            JobId = job.Id,
            Name = job.Name,
            Task = job.Task,
            Architecture = job.Architecture,
            Dataset = job.Dataset,
            VocabularySize = model.Config.VocabularySize,
            ParameterCount = model.ParameterCount,
            ConfigJson = JsonSerializer.Serialize(model.Config, ApiJson.Options),
            FinalMetricsJson = last is null ? null : JsonSerializer.Serialize(EpochMetric.From(job.Id, last, DateTime.UtcNow).AsResponse(), ApiJson.Options),
            Weights = model.ToSafetensors(),
            CreatedAt = DateTime.UtcNow,
        };
        await using var db = await dbFactory.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var now = DateTime.UtcNow;
        var finalEpoch = last?.Epoch ?? job.CurrentEpoch;
        // The lease check and the model insert commit together, or not at all.
        var owned = await db.TrainingJobs.Where(j => j.Id == job.Id && j.LeaseOwner == run.LeaseId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Succeeded).SetProperty(j => j.ModelId, entity.Id)
                .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.CurrentEpoch, finalEpoch).SetProperty(j => j.EtaSeconds, 0.0)
                .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null));
        if (owned == 0)
        {
            logger.LogWarning("Job {JobId}: lease lost before the model was stored; discarding it.", job.Id);
            return;
        }
        db.Models.Add(entity);
        await db.SaveChangesAsync();
        await db.Checkpoints.Where(c => c.JobId == job.Id).ExecuteDeleteAsync();
        await tx.CommitAsync();
        rnnMetrics.JobFinished(job.Task, JobStatus.Succeeded, job.StartedAt);
        logger.LogInformation("Job {JobId} succeeded: model {ModelId}, {Parameters} parameters.", job.Id, entity.Id, entity.ParameterCount);
    }

    private async Task FinishAsync(JobRun run, JobStatus status, string? error)
    {
        var jobId = run.JobId;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await using var tx = await db.Database.BeginTransactionAsync();
            var now = DateTime.UtcNow;
            var owned = await db.TrainingJobs.Where(j => j.Id == jobId && j.LeaseOwner == run.LeaseId && j.Status == JobStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, status).SetProperty(j => j.Error, error)
                    .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.EtaSeconds, (double?)null)
                    .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null));
            if (owned == 1) await db.Checkpoints.Where(c => c.JobId == jobId).ExecuteDeleteAsync();
            await tx.CommitAsync();
            logger.LogInformation("Job {JobId} {Status}. {Error}", jobId, status, error);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not record the end of job {JobId}.", jobId);
        }
    }

    /// <summary>Host shutting down: hand the job back to the queue; the next start resumes it from its checkpoint.</summary>
    private async Task ReleaseAsync(JobRun run)
    {
        var jobId = run.JobId;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.TrainingJobs.Where(j => j.Id == jobId && j.LeaseOwner == run.LeaseId && j.Status == JobStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued)
                    .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null));
            logger.LogInformation("Job {JobId} returned to the queue at shutdown.", jobId);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not return job {JobId} to the queue; its lease will expire.", jobId);
        }
    }
}
