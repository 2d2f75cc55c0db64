using System.Diagnostics.Metrics;
using RnnService.Api.Jobs;
using RnnService.Api.Training;
using RnnService.Engine.Models;

namespace RnnService.Api.Monitoring;

/// <summary>The service's own instruments (meter "RnnService"). Callers report what happened in one line;
/// OpenTelemetry aggregates, and /metrics or OTLP export. Label values are the API's lowercase spellings.</summary>
public sealed class RnnMetrics
{
    public const string MeterName = "RnnService";

    // Seconds, from a fast /predict (about a millisecond) to a long training job (the default time limit is an hour).
    private static readonly double[] InferenceBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] EpochBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    private static readonly double[] JobBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

    private readonly Counter<long> _epochsTrained;
    private readonly Histogram<double> _epochDuration;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _leaseRescues;
    private readonly Histogram<double> _claimDuration;
    private readonly Counter<long> _trainingFailures;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheEvictions;
    private readonly Counter<long> _generatedCharacters;

    public RnnMetrics(IMeterFactory meterFactory, JobStatusCounts jobCounts)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("rnnservice.jobs", () => jobCounts.Read().Select(c =>
            new Measurement<long>(c.Value, new KeyValuePair<string, object?>("status", Label(c.Key)))),
            "{job}", "Training jobs in the database, by status (read at most once per Metrics:JobCountsCacheSeconds).");
        meter.CreateObservableGauge("rnnservice.queue.depth", () => jobCounts.Read().GetValueOrDefault(JobStatus.Queued),
            "{job}", "Jobs waiting to be trained (POST /train answers 429 beyond Worker:MaxQueuedJobs).");
        _epochsTrained = meter.CreateCounter<long>("rnnservice.epochs.trained", "{epoch}", "Epochs trained, by task and architecture.");
        _epochDuration = meter.CreateHistogram("rnnservice.epoch.duration", "s", "Time to train and validate one epoch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EpochBuckets });
        _jobDuration = meter.CreateHistogram("rnnservice.job.duration", "s", "From a job's first start to its end, by task and final status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JobBuckets });
        _leaseRescues = meter.CreateCounter<long>("rnnservice.lease.rescues", "{job}",
            "Running jobs whose lease expired (their worker died): requeued to resume from the checkpoint, or cancelled.");
        _claimDuration = meter.CreateHistogram("rnnservice.job.claim.duration", "s",
            "Time to claim a queued job (the claim statement, SKIP LOCKED on PostgreSQL), counting successful claims.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InferenceBuckets });
        _trainingFailures = meter.CreateCounter<long>("rnnservice.training.failures", "{job}",
            "Jobs that failed, by reason: diverged, time_limit, storage_limit or error.");
        _inferenceDuration = meter.CreateHistogram("rnnservice.inference.duration", "s", "Successful /predict, /score, /generate and /v1/completions requests (streams once they end), by endpoint and task.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InferenceBuckets });
        _cacheHits = meter.CreateCounter<long>("rnnservice.model_cache.hits", "{lookup}", "Model lookups served from the loaded-model cache.");
        _cacheMisses = meter.CreateCounter<long>("rnnservice.model_cache.misses", "{lookup}", "Model lookups that read the weights from the database.");
        _cacheEvictions = meter.CreateCounter<long>("rnnservice.model_cache.evictions", "{model}",
            "Models dropped from the cache, by reason: capacity (Inference:ModelCacheSize) or deleted.");
        _generatedCharacters = meter.CreateCounter<long>("rnnservice.generated.characters", "{character}",
            "Characters produced by /generate and /v1/completions, streamed or not (prompts not counted).");
    }

    public void EpochTrained(TaskKind task, Architecture architecture, double seconds)
    {
        var taskTag = new KeyValuePair<string, object?>("task", Label(task));
        _epochsTrained.Add(1, taskTag, new KeyValuePair<string, object?>("architecture", Label(architecture)));
        _epochDuration.Record(seconds, taskTag);
    }

    /// <summary>A job reached a final status; <paramref name="startedAt"/> is its first start (null if it never ran).</summary>
    public void JobFinished(TaskKind task, JobStatus status, DateTime? startedAt)
    {
        if (startedAt is not { } started) return;
        _jobDuration.Record(Math.Max(0, (DateTime.UtcNow - started).TotalSeconds),
            new KeyValuePair<string, object?>("task", Label(task)), new KeyValuePair<string, object?>("status", Label(status)));
    }

    public void JobClaimed(TimeSpan elapsed) => _claimDuration.Record(elapsed.TotalSeconds);

    public void LeaseRescued(int requeued, int cancelled, int failed)
    {
        if (requeued > 0) _leaseRescues.Add(requeued, new KeyValuePair<string, object?>("outcome", "requeued"));
        if (cancelled > 0) _leaseRescues.Add(cancelled, new KeyValuePair<string, object?>("outcome", "cancelled"));
        if (failed > 0)
        {
            _leaseRescues.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
            _trainingFailures.Add(failed, new KeyValuePair<string, object?>("reason", "too_many_rescues"));
        }
    }

    /// <summary>A job failed: counts the reason and records its duration with status failed.</summary>
    public void JobFailed(TaskKind task, TrainingFailure reason, DateTime? startedAt)
    {
        _trainingFailures.Add(1, new KeyValuePair<string, object?>("reason", reason switch
        {
            TrainingFailure.Diverged => "diverged",
            TrainingFailure.TimeLimit => "time_limit",
            TrainingFailure.StorageLimit => "storage_limit",
            _ => "error",
        }));
        JobFinished(task, JobStatus.Failed, startedAt);
    }

    public void Inferred(string endpoint, TaskKind task, TimeSpan elapsed) =>
        _inferenceDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("task", Label(task)));

    /// <summary>A generation answered (endpoint generate or completions): its duration and the characters it produced.</summary>
    public void Generated(string endpoint, long characters, TimeSpan elapsed)
    {
        Inferred(endpoint, TaskKind.CharLm, elapsed);
        CharactersGenerated(characters);
    }

    public void CacheHit() => _cacheHits.Add(1);
    public void CacheMiss() => _cacheMisses.Add(1);
    public void CacheEvicted(string reason) => _cacheEvictions.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void CharactersGenerated(long count) => _generatedCharacters.Add(count);

    private static string Label<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}
