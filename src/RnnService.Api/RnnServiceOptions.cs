namespace RnnService.Api;

/// <summary>Input limits, bound from the "Limits" section; enforced before any work is done.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";
    public int MaxHiddenSize { get; set; } = 1024;
    public int MaxEmbeddingSize { get; set; } = 1024;
    public int MaxLayers { get; set; } = 3;
    public int MaxEpochs { get; set; } = 10000;
    public int MaxBatchSize { get; set; } = 1024;
    public int MaxSequenceLength { get; set; } = 10000;
    public double MaxValidationFraction { get; set; } = 0.5;
    /// <summary>Upper bound on a model's trainable parameters, estimated from the requested sizes.</summary>
    public long MaxParameters { get; set; } = 20_000_000;
    public int MaxTextLength { get; set; } = 10000;
    public int MaxTextsPerRequest { get; set; } = 1000;
    public int MaxGenerateLength { get; set; } = 5000;
    public int MaxGenerateCount { get; set; } = 100;
    public double MaxTemperature { get; set; } = 10;
    /// <summary>One dataset's content (its UTF-8 bytes); above it an upload is 413.</summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>Uploaded datasets and trained models' weights together; a write that would go over it is 507.</summary>
    public long MaxStoredBytes { get; set; } = 5L * 1024 * 1024 * 1024;
    /// <summary>Any request body above this is answered 413; keep it above MaxUploadBytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;
    /// <summary>Upper bound on a job's estimated peak training memory; by default a quarter of the memory this process may use.</summary>
    public long MaxTrainingMemoryBytes { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
}

/// <summary>Where the service keeps its data, bound from the "Database" section; the connection string is
/// ConnectionStrings:RnnService in either provider's format.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public Data.DatabaseProvider Provider { get; set; } = Data.DatabaseProvider.Sqlite;
}

/// <summary>The training queue and worker, bound from the "Worker" section.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";
    public int MaxConcurrentJobs { get; set; } = 1;
    public int MaxQueuedJobs { get; set; } = 100;
    public TimeSpan JobTimeLimit { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Whether POST /train refuses a job whose estimate is over <see cref="JobTimeLimit"/>; false leaves only the
    /// limit at run time (for a machine whose speed the estimate misjudges).</summary>
    public bool RefuseOverTimeLimit { get; set; } = true;
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the worker looks at the database when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int QueueFullRetryAfterSeconds { get; set; } = 30;
    /// <summary>How often a running job saves a checkpoint (and once more when the service shuts down):
    /// a crash loses at most this much training. Zero saves one after every epoch.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Finished epochs are written in batches at most this often, and a cancel recorded by any
    /// replica is noticed within about this time.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>A job whose lease expired (its replica died) more often than this fails instead of being requeued again.</summary>
    public int MaxRescues { get; set; } = 3;
    /// <summary>/health reports the worker dead when its loop has not gone round for this long (keep it above PollInterval).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Whether the worker first runs the engine once on tiny models (EngineWarmUp, under a second here), so a
    /// replica's first job does not pay for compiling it; /health answers 503 until that is done.</summary>
    public bool WarmUp { get; set; } = true;
}

/// <summary>Model cache and rate limit of /predict and /generate, bound from the "Inference" section.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";
    public int ModelCacheSize { get; set; } = 16;
    /// <summary>A cached model is checked against the database again once it is this old, so a delete made on
    /// another replica takes effect here within this time.</summary>
    public TimeSpan ModelRevalidateInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Requests per client IP per window.</summary>
    public int PermitLimit { get; set; } = 600;
    public int WindowSeconds { get; set; } = 60;
    /// <summary>Multiply-adds one /predict, /generate or /score request may cost: its steps (tokens × samples, explain's
    /// and excludeTrainingSamples' repeats included) × the model's multiply-adds per step. About a second of batched work here.</summary>
    public long MaxRequestWork { get; set; } = 20_000_000_000;
    /// <summary>Inference requests running at once; 0 = one per CPU core. Light requests do not count.</summary>
    public int MaxConcurrentRequests { get; set; }
    /// <summary>A request of at most this many steps (characters or words, as the work budget counts them) is light: it
    /// runs at once without a slot, so a one-sentence /predict never queues behind long generations.</summary>
    public int LightRequestCharacters { get; set; } = 100;
    /// <summary>How long a request waits for a free slot before it is answered 503.</summary>
    public TimeSpan QueueWait { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Retry-After of that 503.</summary>
    public int BusyRetryAfterSeconds { get; set; } = 1;
    /// <summary>A request still running after this is stopped and answered 504; zero = no timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Inference (/predict, /score, /generate, /v1/completions) on an idle model waits this long for other requests to
    /// run with it (not when the model's last busy spell served one request alone); reads of one kind run as one engine batch,
    /// and generation arriving while a batch runs joins at the next step (<see cref="Inference.ModelBatcher"/>). Zero (the
    /// default) = every request alone: batching pays off for large models under concurrent load, and costs small ones
    /// (docs/benchmarks.md).</summary>
    public TimeSpan BatchWindow { get; set; }
}
