using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Webhooks;

/// <summary>Webhooks: subscribe a URL to events, see every delivery attempt, test and redeliver.</summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").WithTags("Webhooks");

        group.MapPost("/", CreateAsync)
            .WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to events; the answer carries the signing secret, shown this once")
            .WithDescription("Only http and https; a host that resolves to a loopback, private, link-local or metadata address is " +
                "400 naming url unless Webhooks:AllowPrivateTargets. Each event is POSTed as JSON with the Standard Webhooks headers " +
                "webhook-id, webhook-timestamp and webhook-signature (v1, base64 HMAC-SHA256 of id.timestamp.body); the bodies are " +
                "described under webhooks in this document.");
        group.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("List webhooks, oldest first (never their secrets)");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetWebhook").WithSummary("Get a webhook");
        group.MapPatch("/{id:guid}", UpdateAsync)
            .WithName("UpdateWebhook")
            .WithSummary("Change a webhook's url, events or description, or enable or disable it (enabling clears the failure count)");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteWebhook").WithSummary("Delete a webhook and its deliveries");
        group.MapPost("/{id:guid}/test", TestAsync)
            .WithName("TestWebhook").WithSummary("Send a webhook.test event to this webhook (409 while it is disabled)");
        group.MapGet("/{id:guid}/deliveries", DeliveriesAsync)
            .WithName("ListWebhookDeliveries")
            .WithSummary("A webhook's deliveries, newest first, each with every attempt (time, status code, duration, error, answer excerpt)");
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", RedeliverAsync)
            .WithName("RedeliverWebhookDelivery")
            .WithSummary("Send a delivery again, with the same webhook-id (409 while it is still pending)");
        return group;
    }

    private static async Task<Results<Created<CreatedWebhookResponse>, ValidationProblem>> CreateAsync(
        CreateWebhookRequest request, RnnDbContext db, WebhookSecrets secrets, IOptions<WebhooksOptions> options, CancellationToken ct)
    {
        var (events, errors) = WebhookRules.CheckEvents(request.Events);
        if (await WebhookTargets.ProblemAsync(request.Url, options.Value.AllowPrivateTargets, ct) is { } urlProblem) errors["url"] = [urlProblem];
        if (WebhookRules.DescriptionProblem(request.Description) is { } descriptionProblem) errors["description"] = [descriptionProblem];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var secret = WebhookSecrets.NewSecret();
        var now = DateTime.UtcNow;
        var webhook = new Webhook
        {
            Id = Guid.NewGuid(), Url = request.Url!, Events = events!, Description = request.Description,
            EncryptedSecret = await secrets.EncryptAsync(secret, ct), CreatedAt = now, UpdatedAt = now,
        };
        db.Webhooks.Add(webhook);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/webhooks/{webhook.Id}", new CreatedWebhookResponse(webhook.AsResponse(), secret));
    }

    private static async Task<Ok<List<WebhookResponse>>> ListAsync(RnnDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.Webhooks.AsNoTracking().OrderBy(w => w.CreatedAt).ThenBy(w => w.Id).ToListAsync(ct))
            .Select(w => w.AsResponse()).ToList());

    private static async Task<Results<Ok<WebhookResponse>, NotFoundProblem>> GetAsync(Guid id, RnnDbContext db, CancellationToken ct) =>
        await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct) is { } webhook
            ? TypedResults.Ok(webhook.AsResponse())
            : NoWebhook(id);

    private static async Task<Results<Ok<WebhookResponse>, NotFoundProblem, ValidationProblem>> UpdateAsync(
        Guid id, UpdateWebhookRequest request, RnnDbContext db, IOptions<WebhooksOptions> options, CancellationToken ct)
    {
        var webhook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == id, ct);
        if (webhook is null) return NoWebhook(id);
        var errors = new Dictionary<string, string[]>();
        if (request.Events is not null)
        {
            var (events, eventErrors) = WebhookRules.CheckEvents(request.Events);
            foreach (var (field, messages) in eventErrors) errors[field] = messages;
            if (events is not null) webhook.Events = events;
        }
        if (request.Url is not null)
        {
            if (await WebhookTargets.ProblemAsync(request.Url, options.Value.AllowPrivateTargets, ct) is { } urlProblem) errors["url"] = [urlProblem];
            webhook.Url = request.Url;
        }
        if (request.Description is not null)
        {
            if (WebhookRules.DescriptionProblem(request.Description) is { } problem) errors["description"] = [problem];
            webhook.Description = request.Description;
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (request.Enabled is { } enabled)
        {
            webhook.Enabled = enabled;
            if (enabled) (webhook.DisabledReason, webhook.FailedDeliveriesInARow) = (null, 0);
        }
        webhook.UpdatedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(webhook.AsResponse());
    }

    private static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(Guid id, RnnDbContext db, CancellationToken ct) =>
        await db.Webhooks.Where(w => w.Id == id).ExecuteDeleteAsync(ct) == 1 ? TypedResults.NoContent() : NoWebhook(id);

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, NotFoundProblem, ConflictProblem>> TestAsync(
        Guid id, RnnDbContext db, CancellationToken ct)
    {
        var webhook = await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        if (webhook is null) return NoWebhook(id);
        if (!webhook.Enabled) return Problems.Conflict($"Webhook {id} is disabled; enable it first (PATCH enabled: true).");
        if (await WebhookOutbox.TestAsync(db, id, ct) is not { } delivery)
            return Problems.Conflict($"Webhook {id} was disabled meanwhile; enable it first (PATCH enabled: true).");
        return TypedResults.Accepted($"/webhooks/{id}/deliveries", (await DeliveryResponsesAsync(db, [delivery], ct))[0]);
    }

    private static async Task<Results<Ok<WebhookDeliveryPage>, NotFoundProblem, ValidationProblem>> DeliveriesAsync(
        Guid id, int? page, int? pageSize, RnnDbContext db, CancellationToken ct)
    {
        var p = page ?? 1;
        var size = pageSize ?? 20;
        if (p < 1) return Problems.Invalid("page", "Must be at least 1.");
        if (size is < 1 or > 100) return Problems.Invalid("pageSize", "Must be between 1 and 100.");
        if (!await db.Webhooks.AnyAsync(w => w.Id == id, ct)) return NoWebhook(id);
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == id);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip((p - 1) * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new WebhookDeliveryPage(await DeliveryResponsesAsync(db, rows, ct), p, size, total));
    }

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, NotFoundProblem, ConflictProblem>> RedeliverAsync(
        Guid id, Guid deliveryId, RnnDbContext db, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        // One statement: a delivery still pending (perhaps being sent right now) is left alone.
        var reset = await db.WebhookDeliveries.Where(d => d.Id == deliveryId && d.WebhookId == id && d.Status != DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending).SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.RetryingSince, now).SetProperty(d => d.ClaimToken, (string?)null), ct);
        var delivery = await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId && d.WebhookId == id, ct);
        if (delivery is null) return Problems.NotFound($"Webhook {id} has no delivery {deliveryId}.");
        if (reset == 0) return Problems.Conflict($"Delivery {deliveryId} is still pending: it is sent (again) at {delivery.NextAttemptAt:u} anyway.");
        return TypedResults.Accepted($"/webhooks/{id}/deliveries", (await DeliveryResponsesAsync(db, [delivery], ct))[0]);
    }

    private static async Task<List<WebhookDeliveryResponse>> DeliveryResponsesAsync(RnnDbContext db, IReadOnlyList<WebhookDelivery> deliveries,
        CancellationToken ct)
    {
        var ids = deliveries.Select(d => d.Id).ToList();
        var eventIds = deliveries.Select(d => d.EventId).Distinct().ToList();
        var types = await db.WebhookEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Type, ct);
        var attempts = (await db.WebhookAttempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).OrderBy(a => a.Id).ToListAsync(ct))
            .ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => new WebhookDeliveryResponse(d.Id, WebhookEvent.MessageId(d.EventId), types[d.EventId], d.Status, d.Attempts,
            d.CreatedAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt,
            attempts[d.Id].Select(a => a.AsResponse()).ToList())).ToList();
    }

    private static NotFoundProblem NoWebhook(Guid id) => Problems.NotFound($"No webhook {id}.");
}
