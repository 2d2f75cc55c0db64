namespace RnnService.Api.Webhooks;

public enum DeliveryStatus
{
    /// <summary>Waiting for its next attempt (or being sent by the replica that claimed it).</summary>
    Pending,
    Succeeded,
    /// <summary>Every attempt failed until the retry period ran out.</summary>
    Failed,
}

/// <summary>One event for one webhook: the outbox row a dispatcher claims, sends and reschedules until it succeeds or
/// its retry period (Webhooks:RetryPeriod) runs out. Its event's id is the webhook-id header on every attempt.</summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; set; }
    public Guid WebhookId { get; set; }
    public Guid EventId { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When it is due; a claim moves it forward by Webhooks:ClaimDuration, so a dispatcher that dies mid-send
    /// leaves it due again after that (another replica sends it: at least once).</summary>
    public DateTime NextAttemptAt { get; set; }
    /// <summary>The event's time, or the last redelivery's: no retry is scheduled later than Webhooks:RetryPeriod after it.</summary>
    public DateTime RetryingSince { get; set; }
    /// <summary>The claim that may record the outcome (a dispatcher whose claim ran out writes nothing).</summary>
    public string? ClaimToken { get; set; }
    public DateTime? DeliveredAt { get; set; }
}

/// <summary>One HTTP attempt of a delivery.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public DateTime At { get; set; }
    /// <summary>Null when no response came (timeout, refused connection, refused target).</summary>
    public int? StatusCode { get; set; }
    public double DurationMs { get; set; }
    public string? Error { get; set; }
    /// <summary>The start of the response body, at most <see cref="WebhookSender.ExcerptLength"/> characters.</summary>
    public string? ResponseExcerpt { get; set; }
    /// <summary>The replica that sent it.</summary>
    public required string Sender { get; set; }

    public WebhookAttemptResponse AsResponse() => new(At, StatusCode, DurationMs, Error, ResponseExcerpt, Sender);
}

public sealed record WebhookAttemptResponse(DateTime At, int? StatusCode, double DurationMs, string? Error, string? ResponseExcerpt, string Sender);

/// <summary>A delivery with every attempt, oldest first. messageId is the webhook-id header it is sent with.</summary>
public sealed record WebhookDeliveryResponse(Guid Id, string MessageId, string EventType, DeliveryStatus Status, int Attempts,
    DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? DeliveredAt, IReadOnlyList<WebhookAttemptResponse> AttemptLog);

/// <summary>A page of deliveries, newest first.</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryResponse> Items, int Page, int PageSize, int Total);
