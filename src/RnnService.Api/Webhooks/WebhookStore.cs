using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;

namespace RnnService.Api.Webhooks;

/// <summary>A delivery this replica claimed, with what sending it needs.</summary>
public sealed record ClaimedDelivery(Guid Id, string ClaimToken, int Attempts, DateTime RetryingSince, Guid WebhookId, string Url,
    byte[] EncryptedSecret, Guid EventId, string EventType, string Payload);

/// <summary>The dispatcher's reads and writes: claim due deliveries (any replica, each delivery to one claim at a time) and
/// record each attempt's outcome under that claim.</summary>
public sealed class WebhookStore(IDbContextFactory<RnnDbContext> dbFactory, IOptions<WebhooksOptions> options)
{
    private WebhooksOptions Options => options.Value;

    /// <summary>Claims up to Webhooks:BatchSize due deliveries of enabled webhooks in one statement: their due time moves
    /// ClaimDuration ahead (so nobody else takes them meanwhile) under a new claim token.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string replica, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var token = $"{replica}/{Guid.NewGuid():N}";
        // As JobStore's claim: PostgreSQL replicas skip rows another replica is claiming instead of waiting for them;
        // SQLite has one writer at a time, so the statement that picks the rows also moves them before anyone else can.
        var locking = db.Database.IsNpgsql() ? " FOR UPDATE SKIP LOCKED" : "";
        var claimed = await db.WebhookDeliveries.FromSql(FormattableStringFactory.Create($$"""
            UPDATE "WebhookDeliveries" SET "ClaimToken" = {0}, "NextAttemptAt" = {1}
            WHERE "Id" IN (SELECT d."Id" FROM "WebhookDeliveries" AS d
                WHERE d."Status" = 'Pending' AND d."NextAttemptAt" <= {2}
                  AND EXISTS (SELECT 1 FROM "Webhooks" AS w WHERE w."Id" = d."WebhookId" AND w."Enabled")
                ORDER BY d."NextAttemptAt" LIMIT {3}{{locking}})
            RETURNING *
            """, token, now + Options.ClaimDuration, now, Math.Max(1, Options.BatchSize))).AsNoTracking().ToListAsync(ct);
        if (claimed.Count == 0) return [];
        var ids = claimed.Select(d => d.Id).ToList();
        return await db.WebhookDeliveries.AsNoTracking().Where(d => ids.Contains(d.Id))
            .Join(db.WebhookEvents, d => d.EventId, e => e.Id, (d, e) => new { d, e })
            .Join(db.Webhooks, x => x.d.WebhookId, w => w.Id, (x, w) => new ClaimedDelivery(x.d.Id, token, x.d.Attempts, x.d.RetryingSince,
                w.Id, w.Url, w.EncryptedSecret, x.e.Id, x.e.Type, x.e.Payload))
            .ToListAsync(ct);
    }

    /// <summary>Records the attempt and what follows: delivered; or another attempt after the backoff; or, past the retry
    /// period, failed (and the webhook disabled once Webhooks:DisableAfterFailedDeliveries deliveries failed in a row).
    /// Nothing is written when the claim ran out and another replica claimed the delivery meanwhile. Returns the
    /// outcome label for the metrics: succeeded, retrying, failed, or null when nothing was written.</summary>
    public async Task<string?> RecordAsync(ClaimedDelivery delivery, AttemptOutcome outcome, string replica, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        var attempts = delivery.Attempts + 1;
        var next = now + WebhookRetry.Delay(attempts, Options);
        var status = outcome.Succeeded ? DeliveryStatus.Succeeded
            : next > delivery.RetryingSince + Options.RetryPeriod ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        var owned = await db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.ClaimToken == delivery.ClaimToken && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status).SetProperty(d => d.Attempts, attempts)
                .SetProperty(d => d.ClaimToken, (string?)null)
                .SetProperty(d => d.NextAttemptAt, status == DeliveryStatus.Pending ? next : now)
                .SetProperty(d => d.DeliveredAt, outcome.Succeeded ? now : (DateTime?)null), ct);
        if (owned == 0) return null;
        db.WebhookAttempts.Add(new WebhookAttempt
        {
            DeliveryId = delivery.Id, At = now, StatusCode = outcome.StatusCode, DurationMs = outcome.DurationMs, Error = outcome.Error,
            ResponseExcerpt = outcome.ResponseExcerpt, Sender = replica,
        });
        await db.SaveChangesAsync(ct);
        if (status == DeliveryStatus.Succeeded)
            await db.Webhooks.Where(w => w.Id == delivery.WebhookId).ExecuteUpdateAsync(s => s.SetProperty(w => w.FailedDeliveriesInARow, 0), ct);
        else if (status == DeliveryStatus.Failed)
            await GiveUpAsync(db, delivery, outcome, now, ct);
        await transaction.CommitAsync(ct);
        return status switch { DeliveryStatus.Succeeded => "succeeded", DeliveryStatus.Failed => "failed", _ => "retrying" };
    }

    private async Task GiveUpAsync(RnnDbContext db, ClaimedDelivery delivery, AttemptOutcome outcome, DateTime now, CancellationToken ct)
    {
        var limit = Math.Max(1, Options.DisableAfterFailedDeliveries);
        var reason = $"Disabled at {now:u}: {limit} deliveries in a row failed for the whole retry period " +
            $"(Webhooks:RetryPeriod {Options.RetryPeriod}); the last attempt: {outcome.Error}";
        await db.Webhooks.Where(w => w.Id == delivery.WebhookId).ExecuteUpdateAsync(s => s
            .SetProperty(w => w.FailedDeliveriesInARow, w => w.FailedDeliveriesInARow + 1), ct);
        await db.Webhooks.Where(w => w.Id == delivery.WebhookId && w.Enabled && w.FailedDeliveriesInARow >= limit)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Enabled, false).SetProperty(w => w.DisabledReason, reason)
                .SetProperty(w => w.UpdatedAt, now), ct);
    }
}

/// <summary>The retry schedule: after the n-th failed attempt, FirstRetryDelay × 2^(n-1) capped at MaxRetryDelay, of which
/// a random half is taken off (jitter), so receivers that failed together are not retried together.</summary>
public static class WebhookRetry
{
    public static TimeSpan Delay(int failedAttempts, WebhooksOptions options)
    {
        var full = Math.Min(options.MaxRetryDelay.TotalMilliseconds,
            options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(30, failedAttempts - 1)));
        return TimeSpan.FromMilliseconds(full / 2 + Random.Shared.NextDouble() * full / 2);
    }
}
