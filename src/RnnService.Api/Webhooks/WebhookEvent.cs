namespace RnnService.Api.Webhooks;

/// <summary>Something that happened, written in the transaction of the change that caused it (<see cref="WebhookOutbox"/>):
/// the exact JSON body every delivery of it sends.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>The webhook-id header: the same on every attempt and redelivery, so a receiver can drop duplicates.</summary>
    public static string MessageId(Guid eventId) => $"msg_{eventId:N}";
}

/// <summary>The key that encrypts webhook secrets when Webhooks:SecretEncryptionKey is not set: one row, made by the
/// first replica that needs it (the others read the same row).</summary>
public sealed class WebhookKey
{
    public int Id { get; set; }
    public required byte[] Key { get; set; }
}
