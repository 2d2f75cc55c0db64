namespace RnnService.Api.Webhooks;

/// <summary>A subscriber: where to POST which events, signed with its secret (kept encrypted, <see cref="WebhookSecrets"/>).</summary>
public sealed class Webhook
{
    public Guid Id { get; set; }
    public required string Url { get; set; }
    /// <summary>The event types wanted, separated by spaces (fan-out reads them in memory; the table is small).</summary>
    public required string Events { get; set; }
    public string? Description { get; set; }
    /// <summary>AES-GCM: nonce, tag, then the encrypted secret.</summary>
    public required byte[] EncryptedSecret { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Why the dispatcher disabled it (deliveries kept failing); null when a user disabled it, or while enabled.</summary>
    public string? DisabledReason { get; set; }
    /// <summary>Deliveries in a row that failed for their whole retry period; reset by a success.</summary>
    public int FailedDeliveriesInARow { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> EventList => Events.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public WebhookResponse AsResponse() =>
        new(Id, Url, EventList, Description, Enabled, DisabledReason, FailedDeliveriesInARow, CreatedAt, UpdatedAt);
}

/// <summary>A webhook as the API shows it: never its secret.</summary>
public sealed record WebhookResponse(Guid Id, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled,
    string? DisabledReason, int FailedDeliveriesInARow, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>The answer to POST /webhooks, the only one that carries the secret (whsec_ and base64, as Standard Webhooks
/// writes it): store it now, it is never shown again.</summary>
public sealed record CreatedWebhookResponse(WebhookResponse Webhook, string Secret);
