using System.Diagnostics;
using Microsoft.Extensions.Options;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Training;

/// <summary>
/// Trains one claimed job: its data, checkpoint and base model are loaded first; then the engine runs on its own
/// thread and only appends finished epochs and checkpoints (by time, Worker:CheckpointInterval, and once more at a
/// stop) to the run's buffer; a progress loop beside it writes them in batches and renews the lease, which says
/// when the run must stop. Every state change goes through <see cref="JobStore"/>.
/// </summary>
public sealed partial class JobRunner(
    JobStore store,
    JobEvents events,
    RunningJobs runningJobs,
    DatasetCatalog datasets,
    TrainingThreads threads,
    RnnMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<JobRunner> logger)
{
    /// <summary>How long a shutting-down replica waits for the current epoch to end (and be checkpointed).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);
    private WorkerOptions Options => options.Value;

    /// <summary>Runs the job to its end; never throws (each way a job can end is recorded, or left to the lease).</summary>
    public async Task RunAsync(ClaimedJob claim, CancellationToken stoppingToken)
    {
        var job = claim.Job;
        using var run = new JobRun(claim.Lease);
        run.CancelAfter(Options.JobTimeLimit);
        using var onStopping = stoppingToken.Register(() => run.RequestStop(StopGrace));
        runningJobs.Add(run);
        using var progressStop = new CancellationTokenSource();
        var progress = ProgressLoopAsync(run, progressStop.Token);
        events.Publish(job.Id);
        try
        {
            logger.LogInformation("Training job {JobId} ({Task}, {Architecture}, dataset {Dataset}).", job.Id, job.Task, job.Architecture, job.Dataset);
            TrainingResult? result = null;
            string? error = null;
            var failure = TrainingFailure.Error;
            try
            {
                var start = await PrepareAsync(job, run);
                result = await threads.RunAsync(() => Train(job, run, start));
            }
            catch (OperationCanceledException) when (run.LeaseLost || run.CancelRequested || run.StopRequested)
            {
            }
            catch (OperationCanceledException)
            {
                error = $"The job exceeded its time limit of {Options.JobTimeLimit} (Worker:JobTimeLimit).";
                failure = TrainingFailure.TimeLimit;
            }
            catch (TrainingDivergedException ex)
            {
                error = $"Training diverged: {ex.Message} No model was stored; try a lower learningRate or a clipNorm.";
                failure = TrainingFailure.Diverged;
            }
            catch (OutOfMemoryException)
            {
                error = "The job ran out of memory. Reduce batchSize, maxSequenceLength or hiddenSize.";
            }
            catch (Exception ex) when (DatabaseUnavailableExceptionHandler.IsUnavailable(ex))
            {
                // The database went away while the run was loading its data or checkpoint: not the job's fault.
                // It goes back to the queue (below) and resumes from its checkpoint once the database is back.
                logger.LogWarning("Job {JobId}: the database is unavailable ({Error}); returning it to the queue.", job.Id, ex.Message);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Job {JobId} failed.", job.Id);
                error = ex.Message;
            }
            // The final write takes every epoch still pending, so the progress loop stops first; the model is
            // serialised while it winds down.
            var stopping = progressStop.CancelAsync();
            ModelToStore? model = null;
            if (result is not null && !run.LeaseLost)
            {
                try
                {
                    model = BuildModel(job, result, run);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Job {JobId}: the trained model could not be serialised.", job.Id);
                    error = $"The trained model could not be stored: {ex.Message}";
                }
            }
            await stopping;
            await progress;
            await EndAsync(job, run, model, error, failure);
        }
        finally
        {
            runningJobs.Remove(job.Id);
            events.Publish(job.Id);
        }
    }

    /// <summary>What a run starts from, loaded before the hand-off to the training thread.</summary>
    private sealed record RunStart(TrainingData Data, TrainingCheckpoint? ResumeFrom, RnnModel? BaseModel);

    /// <summary>Loads the data, the checkpoint (a resumed run) and the base model (fine-tuning), and clears the epochs the
    /// run will train again.</summary>
    private async Task<RunStart> PrepareAsync(TrainingJob job, JobRun run)
    {
        var data = await datasets.LoadAsync(job.Dataset, run.Token);
        run.DatasetFingerprint = ReproducibilityRecord.Fingerprint(data);
        // A job that never recorded an epoch has neither a checkpoint nor epoch rows to clear (both are written with
        // CurrentEpoch, in one transaction): its run starts without the two round trips a resumed run needs.
        var resumeFrom = job.HasRunBefore ? await LoadCheckpointAsync(run) : null;
        var from = resumeFrom?.Epoch ?? 0;
        if (job.HasRunBefore && !await store.BeginRunAsync(run.Lease, from, resumeFrom is not null, run.Token)) LoseLease(run);
        if (resumeFrom is not null) logger.LogInformation("Job {JobId}: resuming from the checkpoint after epoch {Epoch}.", job.Id, from);
        return new RunStart(data, resumeFrom, await LoadBaseModelAsync(job, run));
    }

    /// <summary>Runs on a training thread, and only trains: finished epochs and checkpoints go to the run's buffer,
    /// which the progress loop writes.</summary>
    private TrainingResult Train(TrainingJob job, JobRun run, RunStart start)
    {
        if (start.ResumeFrom is { } resumed && resumed.Epoch == job.PauseAtEpoch)
        {
            // Its replica died after the rung's checkpoint and before the pause was recorded: record it now, untrained.
            run.PauseAtRung();
            run.Stop();
            run.Token.ThrowIfCancellationRequested();
        }
        var clock = new RunClock(job.TotalEpochs, Options.CheckpointInterval, TimeProvider.System);
        var callbacks = new TrainingCallbacks
        {
            OnEpoch = m =>
            {
                metrics.EpochTrained(job.Task, job.Architecture, m.Seconds);
                run.Epochs.Add(JobEpoch.From(job.Id, m, DateTime.UtcNow), clock.EpochFinished(m.Epoch, m.Seconds));
                if (m.Epoch == job.PauseAtEpoch) run.PauseAtRung(); // a sweep trial's rung: checkpoint now, and pause
            },
            CheckpointDue = _ => clock.CheckpointDue(run.StopRequested),
            OnCheckpoint = checkpoint =>
            {
                run.Epochs.SetCheckpoint(checkpoint);
                clock.CheckpointTaken();
                if (run.StopRequested)
                {
                    run.Stop();
                    run.Token.ThrowIfCancellationRequested();
                }
            },
        };
        return Trainer.Train(job.Task, job.Architecture, job.GetHyperparameters(), start.Data, callbacks, start.ResumeFrom, run.Token,
            start.BaseModel);
    }

    /// <summary>Fine-tuning: the model the job starts from (also when it resumes, for its vocabulary).</summary>
    private async Task<RnnModel?> LoadBaseModelAsync(TrainingJob job, JobRun run)
    {
        if (job.InitFromModelId is not { } id) return null;
        var bytes = await store.LoadModelWeightsAsync(id, run.Token)
            ?? throw new InvalidOperationException($"The base model {id} (initFrom) was deleted before the job could start from it.");
        return RnnModel.FromSafetensors(bytes);
    }

    private async Task<TrainingCheckpoint?> LoadCheckpointAsync(JobRun run)
    {
        var stored = await store.LoadCheckpointAsync(run.JobId, run.Token);
        if (stored is null) return null;
        try
        {
            return TrainingCheckpoint.FromBytes(stored.Bytes);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Job {JobId}: unreadable checkpoint; training from the start.", run.JobId);
            return null;
        }
    }

    private static void LoseLease(JobRun run)
    {
        run.MarkLeaseLost();
        run.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Writes the pending epochs and checkpoint. A checkpoint is written with every epoch up to it (the training
    /// thread buffers epoch n before its checkpoint), so a resumed job loses no epoch's row. A database that is away
    /// costs only time: both stay pending, and a newer checkpoint replaces the older one meanwhile.</summary>
    private async Task<bool> FlushAsync(JobRun run, CancellationToken ct)
    {
        var (epochs, eta, checkpoint) = run.Epochs.Peek();
        if (epochs.Count == 0 && checkpoint is null) return true;
        var row = checkpoint is null ? null
            : new Checkpoint { JobId = run.JobId, Epoch = checkpoint.Epoch, Bytes = checkpoint.ToBytes(), UpdatedAt = DateTime.UtcNow };
        if (!await store.RecordProgressAsync(run.Lease, epochs, eta, row, ct))
        {
            run.MarkLeaseLost();
            return false;
        }
        run.Epochs.Remove(epochs.Count, checkpoint);
        events.Publish(run.JobId);
        return true;
    }

    /// <summary>Beside the training thread: writes finished epochs every Worker:ProgressInterval and renews the lease,
    /// which says whether the run must stop (a cancel or pause recorded on any replica, or the lease lost); the lease is
    /// extended every Worker:HeartbeatInterval. A database that is away is retried on the next tick; the epochs wait in the buffer.</summary>
    private async Task ProgressLoopAsync(JobRun run, CancellationToken stop)
    {
        var interval = Options.ProgressInterval > TimeSpan.Zero ? Options.ProgressInterval : TimeSpan.FromMilliseconds(200);
        var sinceRenewal = Stopwatch.StartNew();
        var failing = false;
        try
        {
            while (true)
            {
                await run.WaitForNextCheckAsync(interval, stop);
                try
                {
                    if (!await FlushAsync(run, stop)) return;
                    var extend = sinceRenewal.Elapsed >= Options.HeartbeatInterval;
                    var request = await store.RenewAsync(run.Lease, extend, stop);
                    if (extend) sinceRenewal.Restart();
                    if (!run.Apply(request, Options.LeaseDuration)) return;
                    failing = false;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (!failing) logger.LogWarning("Job {JobId}: progress not written ({Error}); retrying.", run.JobId, ex.Message);
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        await FlushStopCheckpointAsync(run);
    }

    /// <summary>A run that stops (pause, shutdown) hands over a checkpoint just before it ends: it is written before the
    /// final state, so the job resumes where it stopped. One that cannot be written costs only the epochs since the last one.</summary>
    private async Task FlushStopCheckpointAsync(JobRun run)
    {
        if (!run.StopRequested || run.LeaseLost || !run.Epochs.HasCheckpoint) return;
        try
        {
            await FlushAsync(run, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Job {JobId}: the stop checkpoint was not saved ({Error}).", run.JobId, ex.Message);
        }
    }
}
