namespace RnnService.Api.Webhooks;

/// <summary>Delivery of webhooks, bound from the "Webhooks" section.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";
    /// <summary>Lets a webhook target loopback, private, link-local and metadata addresses (off: such a URL is refused,
    /// when created and again at every connection).</summary>
    public bool AllowPrivateTargets { get; set; }
    /// <summary>One attempt: connect, send and read the answer's status within this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>The wait after the first failed attempt; each later one doubles it (with jitter), up to MaxRetryDelay.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
    /// <summary>A delivery is retried for this long after its event (or its redelivery), then marked failed.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(24);
    /// <summary>A webhook whose deliveries failed this many times in a row (each for its whole retry period) is disabled.</summary>
    public int DisableAfterFailedDeliveries { get; set; } = 5;
    /// <summary>How often an idle dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>A claimed delivery is this replica's for this long (keep it above Timeout): if the replica dies, it is
    /// due again after this and another replica sends it.</summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>Deliveries one replica claims and sends at once.</summary>
    public int BatchSize { get; set; } = 8;
    /// <summary>Optional base64 of 32 bytes: the AES-256 key that encrypts webhook secrets. Unset, a random key is made
    /// once and kept in the database (table WebhookKeys); set it to keep the key out of the database.</summary>
    public string? SecretEncryptionKey { get; set; }
}
