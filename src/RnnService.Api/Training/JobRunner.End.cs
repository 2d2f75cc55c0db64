using System.Text.Json;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Engine.Training;

namespace RnnService.Api.Training;

/// <summary>How a run ends: the one final write (model, failure, cancel, pause or release), retried while the
/// database is away.</summary>
public sealed partial class JobRunner
{
    /// <summary>Records how the run ended. The database may be away for a while: each final write is retried
    /// until the lease would have expired anyway (then another replica rescues the job from its checkpoint).</summary>
    private async Task EndAsync(TrainingJob job, JobRun run, ModelToStore? model, string? error, TrainingFailure failure)
    {
        if (run.LeaseLost)
        {
            logger.LogWarning("Job {JobId}: lease lost; another worker owns it now, nothing written.", job.Id);
            return;
        }
        var epochs = run.Epochs.Peek().Epochs;
        var (what, write) = (model, error) switch
        {
            ({ } m, _) => ("succeeded", ct => store.SucceedAsync(run.Lease, epochs, m.Model, m.Weights, m.FinalEpoch, m.BestEpoch, ct)),
            (null, { } e) => ("failed", ct => store.FinishAsync(run.Lease, JobStatus.Failed, e, epochs, ct)),
            _ when run.CancelRequested => ("cancelled", ct => store.FinishAsync(run.Lease, JobStatus.Cancelled, null, epochs, ct)),
            _ when run.PauseRequested => ("paused", ct => store.PauseAsync(run.Lease, epochs, ct)),
            _ => ("returned to the queue", (Func<CancellationToken, Task<bool>>)(ct => store.ReleaseAsync(run.Lease, ct))),
        };
        var deadline = DateTime.UtcNow + (run.StopRequested && !run.PauseRequested ? StopGrace : Options.LeaseDuration);
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 2)))
        {
            try
            {
                if (await write(CancellationToken.None))
                {
                    if (error is null) logger.LogInformation("Job {JobId} {What}.", job.Id, what);
                    else logger.LogInformation("Job {JobId} {What}: {Error}", job.Id, what, error);
                    RecordEnd(job, model is not null, error, failure, run);
                }
                else
                    logger.LogWarning("Job {JobId}: lease lost before the end ({What}) was recorded; nothing written.", job.Id, what);
                return;
            }
            catch (StorageLimitException full)
            {
                // The model does not fit in Limits:MaxStoredBytes (other writes took the room since POST /train checked):
                // the job fails saying what is stored and what to delete, and its checkpoint goes as for any failure.
                (model, error, failure, what) = (null, $"The trained model was not stored: {full.Message}", TrainingFailure.StorageLimit, "failed");
                write = ct => store.FinishAsync(run.Lease, JobStatus.Failed, error, epochs, ct);
            }
            catch (Exception ex) when (DateTime.UtcNow + delay < deadline)
            {
                logger.LogWarning("Job {JobId}: could not record that it {What} ({Error}); retrying.", job.Id, what, ex.Message);
                await Task.Delay(delay);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Job {JobId}: could not record that it {What}; its lease will expire and another worker takes it over.", job.Id, what);
                return;
            }
        }
    }

    private void RecordEnd(TrainingJob job, bool succeeded, string? error, TrainingFailure failure, JobRun run)
    {
        if (succeeded) metrics.JobFinished(job.Task, JobStatus.Succeeded, job.StartedAt);
        else if (error is not null) metrics.JobFailed(job.Task, failure, job.StartedAt);
        else if (run.CancelRequested) metrics.JobFinished(job.Task, JobStatus.Cancelled, job.StartedAt);
    }

    /// <summary>The rows a successful run stores: the model's record and its weights.</summary>
    private static ModelToStore BuildModel(TrainingJob job, TrainingResult result, JobRun run)
    {
        var model = result.Model;
        // Never empty: epochs are positive, and a resumed run's history starts with its checkpoint's.
        var lastEpoch = result.History[^1].Epoch;
        // The model's metrics are those of the weights it stores (the best epoch's under early stopping), not the last epoch's.
        var stored = result.ModelMetrics;
        var entity = new Model
        {
            Id = Guid.NewGuid(),
            JobId = job.Id,
            Name = job.Name,
            ParentModelId = job.InitFromModelId,
            Task = job.Task,
            Architecture = job.Architecture,
            Dataset = job.Dataset,
            VocabularySize = model.Config.VocabularySize,
            ParameterCount = model.ParameterCount,
            ConfigJson = model.Config.ToJson(), // the same text as the weights file's metadata
            ReproducibilityJson = run.DatasetFingerprint is not { } fingerprint ? null : JsonSerializer.Serialize(
                new ReproducibilityRecord(job.Task, job.Architecture, job.Dataset, fingerprint.Sha256, fingerprint.Bytes,
                    model.Config.Hyperparameters.Seed, model.Config.Hyperparameters, job.InitFromModelId,
                    ReproducibilityRecord.CurrentServiceVersion, ReproducibilityRecord.CurrentThreads), ApiJson.Options),
            FinalMetricsJson = stored is null ? null : JsonSerializer.Serialize(EpochMetricResponse.From(stored), ApiJson.Options),
            CreatedAt = DateTime.UtcNow,
        };
        var weights = new ModelWeights { ModelId = entity.Id, Bytes = model.ToSafetensors() };
        return new ModelToStore(entity, weights, lastEpoch, stored?.Epoch);
    }

    private sealed record ModelToStore(Model Model, ModelWeights Weights, int FinalEpoch, int? BestEpoch);
}
