using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;

namespace RnnService.Api.Webhooks;

/// <summary>
/// The transactional outbox: each call writes an event and one pending delivery per enabled webhook that wants it,
/// through the caller's context, inside the caller's open transaction (just before its commit). The change and its
/// event commit together or not at all: a rolled-back change sends nothing, and a committed one is sent by whichever
/// replica's <see cref="WebhookDispatcher"/> claims it. Nothing is written when no webhook wants the event.
/// </summary>
public static class WebhookOutbox
{
    /// <summary>A job reached a final status in this transaction: job.succeeded (with model.created), job.failed or job.cancelled.</summary>
    public static async Task JobEndedAsync(RnnDbContext db, Guid jobId, CancellationToken ct)
    {
        var job = await db.TrainingJobs.AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        var type = job.Status switch
        {
            JobStatus.Succeeded => WebhookEventTypes.JobSucceeded,
            JobStatus.Failed => WebhookEventTypes.JobFailed,
            JobStatus.Cancelled => WebhookEventTypes.JobCancelled,
            _ => throw new InvalidOperationException($"Job {jobId} is {job.Status}, not finished."),
        };
        var model = job.ModelId is { } modelId ? await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct) : null;
        var links = new EventLinks($"/jobs/{job.Id}", model is null ? null : $"/models/{model.Id}");
        var events = new List<(string, object)>
        {
            (type, new JobEventData(job.Id, job.Status, job.Task, job.Architecture, job.Dataset, job.Name, model?.Id, model?.Version,
                job.Error, FinalMetrics(model), links)),
        };
        if (model is not null) events.Add((WebhookEventTypes.ModelCreated, ModelData(model)));
        await AddAsync(db, events, onlyWebhook: null, ct);
    }

    /// <summary>The jobs a rescue pass just failed or cancelled (their FinishedAt is that pass's time): one event each.</summary>
    public static async Task JobsEndedAtAsync(RnnDbContext db, DateTime finishedAt, CancellationToken ct)
    {
        var ended = await db.TrainingJobs.AsNoTracking()
            .Where(j => j.FinishedAt == finishedAt && (j.Status == JobStatus.Failed || j.Status == JobStatus.Cancelled))
            .OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);
        foreach (var id in ended) await JobEndedAsync(db, id, ct);
    }

    /// <summary>Call before the statement that deletes the model, in its transaction: the event goes with the delete
    /// (rolled back when nothing was deleted).</summary>
    public static async Task ModelDeletingAsync(RnnDbContext db, Guid modelId, CancellationToken ct)
    {
        if (await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct) is { } model)
            await AddAsync(db, [(WebhookEventTypes.ModelDeleted, ModelData(model) with { Links = new EventLinks($"/jobs/{model.JobId}", null) })], null, ct);
    }

    public static Task AliasMovedAsync(RnnDbContext db, string name, string alias, int version, Guid modelId, CancellationToken ct) =>
        AddAsync(db, [(WebhookEventTypes.AliasMoved,
            new AliasEventData(name, alias, version, modelId, new EventLinks(null, $"/models/{Uri.EscapeDataString($"{name}@{alias}")}")))], null, ct);

    public static Task AliasDeletedAsync(RnnDbContext db, string name, string alias, CancellationToken ct) =>
        AddAsync(db, [(WebhookEventTypes.AliasDeleted, new AliasEventData(name, alias, null, null, new EventLinks(null, null)))], null, ct);

    /// <summary>webhook.test for one webhook (whatever its events), committed at once.</summary>
    public static Task<WebhookDelivery?> TestAsync(RnnDbContext db, Guid webhookId, CancellationToken ct) =>
        AddAsync(db, [(WebhookEventTypes.Test, new TestEventData(webhookId, "A test event from RnnService."))], webhookId, ct);

    private static async Task<WebhookDelivery?> AddAsync(RnnDbContext db, IReadOnlyList<(string Type, object Data)> events, Guid? onlyWebhook,
        CancellationToken ct)
    {
        var hooks = await db.Webhooks.AsNoTracking().Where(w => w.Enabled && (onlyWebhook == null || w.Id == onlyWebhook))
            .Select(w => new { w.Id, w.Events }).ToListAsync(ct);
        var now = DateTime.UtcNow;
        WebhookDelivery? last = null;
        foreach (var (type, data) in events)
        {
            var wanting = hooks.Where(h => onlyWebhook is not null || h.Events.Split(' ').Contains(type)).ToList();
            if (wanting.Count == 0) continue;
            var payload = JsonSerializer.Serialize(new WebhookPayload<object>(type, now, data), ApiJson.Options);
            var webhookEvent = new WebhookEvent { Id = Guid.NewGuid(), Type = type, Payload = payload, CreatedAt = now };
            db.WebhookEvents.Add(webhookEvent);
            foreach (var hook in wanting)
                db.WebhookDeliveries.Add(last = new WebhookDelivery
                {
                    Id = Guid.NewGuid(), WebhookId = hook.Id, EventId = webhookEvent.Id, Status = DeliveryStatus.Pending,
                    CreatedAt = now, NextAttemptAt = now, RetryingSince = now,
                });
        }
        await db.SaveChangesAsync(ct);
        return last;
    }

    private static EpochMetricResponse? FinalMetrics(Model? model) => model?.FinalMetricsJson is { } json
        ? JsonSerializer.Deserialize<EpochMetricResponse>(json, ApiJson.Options) : null;

    private static ModelEventData ModelData(Model model) =>
        new(model.Id, model.Name, model.Version, model.JobId, model.Task, model.Architecture, model.Dataset, model.ParameterCount,
            FinalMetrics(model), new EventLinks($"/jobs/{model.JobId}", $"/models/{model.Id}"));
}
