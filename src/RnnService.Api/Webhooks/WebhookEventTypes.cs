using RnnService.Api.Jobs;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Webhooks;

/// <summary>The events a webhook can subscribe to, with the type of each one's data.</summary>
public static class WebhookEventTypes
{
    public const string JobSucceeded = "job.succeeded";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";
    public const string ModelCreated = "model.created";
    public const string ModelDeleted = "model.deleted";
    public const string AliasMoved = "alias.moved";
    public const string AliasDeleted = "alias.deleted";
    /// <summary>Sent by POST /webhooks/{id}/test to that webhook only; not subscribable.</summary>
    public const string Test = "webhook.test";

    /// <summary>Each subscribable event, what it means, and its data type (for the OpenAPI document).</summary>
    public static readonly IReadOnlyList<(string Type, string Meaning, Type Data)> All =
    [
        (JobSucceeded, "A training job succeeded and stored its model.", typeof(JobEventData)),
        (JobFailed, "A training job failed (error says why).", typeof(JobEventData)),
        (JobCancelled, "A training job was cancelled (queued, paused or running).", typeof(JobEventData)),
        (ModelCreated, "A job stored a model (with its name's next version when named).", typeof(ModelEventData)),
        (ModelDeleted, "A model was deleted.", typeof(ModelEventData)),
        (AliasMoved, "An alias of a named model was created or moved to a version.", typeof(AliasEventData)),
        (AliasDeleted, "An alias of a named model was removed.", typeof(AliasEventData)),
    ];

    public static bool IsKnown(string type) => All.Any(e => e.Type == type);
}

/// <summary>The JSON body of every webhook request: the event's type, when it happened, and its data.</summary>
public sealed record WebhookPayload<TData>(string Type, DateTime Timestamp, TData Data);

/// <summary>Relative links to the resources an event is about (the service does not know its public address).</summary>
public sealed record EventLinks(string? Job, string? Model);

/// <summary>job.succeeded, job.failed, job.cancelled: the job, and for a success the model it stored with its final metrics.</summary>
public sealed record JobEventData(Guid JobId, JobStatus Status, TaskKind Task, Architecture Architecture, string Dataset,
    string? Name, Guid? ModelId, int? Version, string? Error, EpochMetricResponse? FinalMetrics, EventLinks Links);

/// <summary>model.created, model.deleted.</summary>
public sealed record ModelEventData(Guid ModelId, string? Name, int? Version, Guid JobId, TaskKind Task, Architecture Architecture,
    string Dataset, long ParameterCount, EpochMetricResponse? FinalMetrics, EventLinks Links);

/// <summary>alias.moved (version and modelId: where it points now), alias.deleted (both null).</summary>
public sealed record AliasEventData(string Name, string Alias, int? Version, Guid? ModelId, EventLinks Links);

/// <summary>webhook.test.</summary>
public sealed record TestEventData(Guid WebhookId, string Message);
