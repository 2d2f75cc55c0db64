using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using RnnService.Api.Training;

namespace RnnService.Api.Webhooks;

/// <summary>Every replica runs one: claim due deliveries, send them at once (each within Webhooks:Timeout), record each
/// outcome; when nothing was due, wait Webhooks:PollInterval.</summary>
public sealed class WebhookDispatcher(
    WebhookStore store,
    WebhookSender sender,
    WebhookSecrets secrets,
    WorkerIdentity identity,
    WebhookMetrics metrics,
    IOptions<WebhooksOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                var batch = await store.ClaimDueAsync(identity.Name, stoppingToken);
                claimed = batch.Count;
                await Task.WhenAll(batch.Select(delivery => DeliverAsync(delivery, stoppingToken)));
                failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Typically the database is away; say so once. Claimed deliveries are due again after their claim runs out.
                if (!failing) logger.LogError("Webhook dispatch failed ({Error}); retrying every poll.", ex.Message);
                failing = true;
            }
            if (claimed > 0) continue;
            try
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task DeliverAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        AttemptOutcome outcome;
        try
        {
            var secret = await secrets.DecryptAsync(delivery.EncryptedSecret, ct);
            outcome = await sender.SendAsync(delivery.Url, secret, WebhookEvent.MessageId(delivery.EventId), delivery.Payload, ct);
        }
        catch (CryptographicException)
        {
            outcome = new AttemptOutcome(false, null, 0, "The webhook's secret cannot be decrypted: was Webhooks:SecretEncryptionKey changed?", null);
        }
        // Recorded even while shutting down: the attempt happened.
        if (await store.RecordAsync(delivery, outcome, identity.Name, CancellationToken.None) is { } label)
            metrics.Attempted(delivery.EventType, label, outcome.DurationMs);
        else
            logger.LogWarning("Webhook delivery {DeliveryId}: the claim ran out before its outcome was recorded; another replica sends it.", delivery.Id);
        if (!outcome.Succeeded)
            logger.LogInformation("Webhook delivery {DeliveryId} ({EventType}) to {Url} failed: {Error}", delivery.Id, delivery.EventType, delivery.Url, outcome.Error);
    }
}
