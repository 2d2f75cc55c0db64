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
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>Any request body above this is answered 413; keep it above MaxUploadBytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;
    /// <summary>Upper bound on a job's estimated peak training memory; by default a quarter of the memory this process may use.</summary>
    public long MaxTrainingMemoryBytes { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
}

/// <summary>The training queue and worker, bound from the "Worker" section.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";
    public int MaxConcurrentJobs { get; set; } = 1;
    public int MaxQueuedJobs { get; set; } = 100;
    public TimeSpan JobTimeLimit { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the worker looks at the database when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int QueueFullRetryAfterSeconds { get; set; } = 30;
    /// <summary>/health reports the worker dead when its loop has not gone round for this long (keep it above PollInterval).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Model cache and rate limit of /predict and /generate, bound from the "Inference" section.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";
    public int ModelCacheSize { get; set; } = 16;
    /// <summary>Requests per client IP per window.</summary>
    public int PermitLimit { get; set; } = 600;
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>Optional API key, bound from the "Auth" section: when set, writes need the X-Api-Key header.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public string? ApiKey { get; set; }
}
