using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Training;

namespace RnnService.Api.Jobs;

/// <summary>What cancel, pause and resume use, bound with [AsParameters].</summary>
public sealed record JobControl(RnnDbContext Db, JobStore Store, RunningJobs Running, JobEvents Events, WorkerWakeSignal Wake);

/// <summary>A page of jobs, newest first.</summary>
public sealed record JobPage(IReadOnlyList<JobResponse> Items, int Page, int PageSize, int Total);

public static class JobsApi
{
    public static RouteGroupBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Jobs");

        group.MapGet("/jobs", ListAsync)
            .WithName("ListJobs")
            .WithSummary("List jobs, newest first")
            .WithDescription("Paged (page from 1, pageSize 1-100); filter with status=queued|running|succeeded|failed|cancelled|paused, and sweep={id} for a sweep's trials.");

        group.MapGet("/jobs/{id:guid}", GetAsync)
            .WithName("GetJob")
            .WithSummary("Get a job: status, effective hyper-parameters, progress, latest metrics, model id");

        group.MapGet("/jobs/{id:guid}/metrics", MetricsAsync)
            .WithName("GetJobMetrics")
            .WithSummary("Every finished epoch's metrics, in order");

        group.MapGet("/jobs/{id:guid}/events", Events)
            .WithName("StreamJobEvents")
            .WithSummary("Server-Sent Events: one 'epoch' event per epoch, then one 'end' event with the job")
            .WithDescription("Replays the epochs already finished, then follows the job live; the stream closes after the 'end' event. " +
                "Each event's data is JSON; an epoch event's id is its epoch number (send Last-Event-ID to skip those already seen).");

        group.MapPost("/jobs/{id:guid}/cancel", CancelAsync)
            .WithName("CancelJob")
            .WithSummary("Cancel a queued or running job")
            .WithDescription("A queued job is cancelled at once; a running one stops within one batch (200 once it has stopped, " +
                "202 if it is still stopping after a few seconds). 409 when the job has already finished.");

        group.MapPost("/jobs/{id:guid}/pause", PauseAsync)
            .WithName("PauseJob")
            .WithSummary("Pause a queued or running job: it checkpoints and frees its worker")
            .WithDescription("A running job stops at the end of its current epoch, after a checkpoint (200 once it is paused, " +
                "202 if it is still finishing the epoch after a few seconds); a queued one is paused at once. 409 naming id when " +
                "the job has finished. POST /jobs/{id}/resume continues it exactly where it stopped.");

        group.MapPost("/jobs/{id:guid}/resume", ResumeAsync)
            .WithName("ResumeJob")
            .WithSummary("Queue a paused job again; it continues from its checkpoint")
            .WithDescription("409 naming id when the job is not paused (queued, running or finished).");

        return group;
    }

    private static async Task<Results<Ok<JobPage>, ValidationProblem>> ListAsync(
        RnnDbContext db, string? status, Guid? sweep, [AsParameters] PageRequest page, CancellationToken ct)
    {
        JobStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<JobStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
                return Problems.Invalid("status", "One of: queued, running, succeeded, failed, cancelled, paused.");
            filter = parsed;
        }
        if (page.Problem() is { } invalid) return invalid;

        var query = db.TrainingJobs.AsNoTracking();
        if (filter is { } f) query = query.Where(j => j.Status == f);
        if (sweep is { } sweepId) query = query.Where(j => j.SweepId == sweepId);
        var total = await query.CountAsync(ct);
        var jobs = await page.Of(query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)).ToListAsync(ct);
        var latest = await LatestMetricsAsync(db, jobs, ct);
        var items = jobs.Select(j => j.AsResponse(latest.GetValueOrDefault(j.Id))).ToList();
        return TypedResults.Ok(new JobPage(items, page.Number, page.Size, total));
    }

    private static async Task<Dictionary<Guid, JobEpoch>> LatestMetricsAsync(RnnDbContext db, List<TrainingJob> jobs, CancellationToken ct)
    {
        var ids = jobs.Where(j => j.CurrentEpoch > 0).Select(j => j.Id).ToList();
        if (ids.Count == 0) return [];
        var rows = await db.EpochMetrics.AsNoTracking()
            .Where(m => ids.Contains(m.JobId) && m.Epoch == db.TrainingJobs.Where(j => j.Id == m.JobId).Select(j => j.CurrentEpoch).First())
            .ToListAsync(ct);
        return rows.ToDictionary(m => m.JobId);
    }

    internal static async Task<JobResponse?> LoadAsync(RnnDbContext db, Guid id, CancellationToken ct)
    {
        var job = await db.TrainingJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return null;
        var latest = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == id)
            .OrderByDescending(m => m.Epoch).FirstOrDefaultAsync(ct);
        return job.AsResponse(latest);
    }

    private static async Task<Results<Ok<JobResponse>, NotFoundProblem>> GetAsync(Guid id, RnnDbContext db, CancellationToken ct) =>
        await LoadAsync(db, id, ct) is { } job ? TypedResults.Ok(job) : Problems.NotFound($"No job {id}.");

    private static async Task<Results<Ok<List<EpochMetricResponse>>, NotFoundProblem>> MetricsAsync(Guid id, RnnDbContext db, CancellationToken ct)
    {
        if (!await db.TrainingJobs.AnyAsync(j => j.Id == id, ct)) return Problems.NotFound($"No job {id}.");
        var rows = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == id).OrderBy(m => m.Epoch).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(m => m.AsResponse()).ToList());
    }

    private static async Task<Results<ServerSentEventsResult<string>, NotFoundProblem>> Events(
        Guid id, RnnDbContext db, IDbContextFactory<RnnDbContext> dbFactory, JobEvents events,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId, CancellationToken ct)
    {
        if (!await db.TrainingJobs.AnyAsync(j => j.Id == id, ct)) return Problems.NotFound($"No job {id}.");
        var after = int.TryParse(lastEventId, out var seen) ? seen : 0;
        return TypedResults.ServerSentEvents(StreamAsync(id, after, dbFactory, events, ct));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(Guid id, int after,
        IDbContextFactory<RnnDbContext> dbFactory, JobEvents events, [EnumeratorCancellation] CancellationToken ct)
    {
        var sent = after;
        while (!ct.IsCancellationRequested)
        {
            var changed = events.NextChangeAsync(id); // before reading, so no change slips between
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var job = await db.TrainingJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
            if (job is null) yield break;
            var epochs = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == id && m.Epoch > sent)
                .OrderBy(m => m.Epoch).ToListAsync(ct);
            foreach (var metric in epochs)
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(metric.AsResponse(), ApiJson.Options), "epoch")
                { EventId = metric.Epoch.ToString() };
                sent = metric.Epoch;
            }
            if (job.IsFinished)
            {
                var latest = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == id)
                    .OrderByDescending(m => m.Epoch).FirstOrDefaultAsync(ct);
                yield return new SseItem<string>(JsonSerializer.Serialize(job.AsResponse(latest), ApiJson.Options), "end");
                yield break;
            }
            // Woken by the worker, or poll: the database stays the source of truth.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), ct));
        }
    }

    private static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, NotFoundProblem, ConflictProblem>> CancelAsync(
        Guid id, [AsParameters] JobControl control, CancellationToken ct)
    {
        switch (await control.Store.RequestCancelAsync(id, ct))
        {
            case CancelOutcome.NotFound:
                return Problems.NotFound($"No job {id}.");
            case CancelOutcome.AlreadyFinished:
                var status = await control.Db.TrainingJobs.Where(j => j.Id == id).Select(j => j.Status).FirstAsync(ct);
                return Problems.Conflict($"The job has already finished ({ApiJson.EnumName(status)}).");
        }
        return await WaitForStatusAsync(id, JobStatus.Cancelled, control, ct,
            finished => Problems.Conflict($"The job finished ({ApiJson.EnumName(finished)}) before it could be cancelled."));
    }

    private static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, NotFoundProblem, ConflictProblem>> PauseAsync(
        Guid id, [AsParameters] JobControl control, CancellationToken ct)
    {
        switch (await control.Store.RequestPauseAsync(id, ct))
        {
            case PauseOutcome.NotFound:
                return Problems.NotFound($"No job {id}.");
            case PauseOutcome.NotPausable:
                var status = await control.Db.TrainingJobs.Where(j => j.Id == id).Select(j => j.Status).FirstAsync(ct);
                return Problems.Conflict("id", $"The job is {ApiJson.EnumName(status)}; only a queued or running job can be paused.");
        }
        return await WaitForStatusAsync(id, JobStatus.Paused, control, ct,
            finished => Problems.Conflict("id", $"The job finished ({ApiJson.EnumName(finished)}) before it could be paused."));
    }

    /// <summary>After a cancel or pause was recorded: waits up to 10 s for the job to reach <paramref name="wanted"/> (200),
    /// answers 202 while it is still stopping, or <paramref name="finishedFirst"/> when it ended another way first.</summary>
    private static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, NotFoundProblem, ConflictProblem>> WaitForStatusAsync(
        Guid id, JobStatus wanted, JobControl control, CancellationToken ct,
        Func<JobStatus, ConflictProblem> finishedFirst)
    {
        control.Running.CheckNow(id); // at once when it runs here; another replica reads the mark within Worker:ProgressInterval
        control.Events.Publish(id);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var changed = control.Events.NextChangeAsync(id);
            var current = (await LoadAsync(control.Db, id, ct))!;
            if (current.Status == wanted) return TypedResults.Ok(current);
            if (current.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
                return finishedFirst(current.Status);
            if (DateTime.UtcNow >= deadline) return TypedResults.Accepted($"/jobs/{id}", current);
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromMilliseconds(200), ct));
        }
    }

    private static async Task<Results<Ok<JobResponse>, NotFoundProblem, ConflictProblem>> ResumeAsync(
        Guid id, [AsParameters] JobControl control, CancellationToken ct)
    {
        switch (await control.Store.ResumeAsync(id, ct))
        {
            case null:
                return Problems.NotFound($"No job {id}.");
            case JobStatus.Paused:
                control.Wake.Wake();
                control.Events.Publish(id);
                return TypedResults.Ok((await LoadAsync(control.Db, id, ct))!);
            case { } status:
                return Problems.Conflict("id", $"The job is {ApiJson.EnumName(status)}; only a paused job can be resumed.");
        }
    }
}
