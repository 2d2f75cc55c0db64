using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Security;
using RnnService.Api.Training;
using RnnService.Engine.Training;

namespace RnnService.Api.Sweeps;

/// <summary>The services POST /sweeps and its estimate use, bound with [AsParameters].</summary>
public sealed record SweepServices(SweepStore Store, DatasetCatalog Datasets, JobStore Jobs, WorkerWakeSignal Wake, RnnDbContext Db,
    IOptions<LimitsOptions> Limits, TrainingEstimates Estimates);

public static class SweepsApi
{
    public static RouteGroupBuilder MapSweeps(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sweeps").WithTags("Sweeps");

        group.MapPost("", CreateAsync)
            .RequireApiKey()
            .WithName("CreateSweep")
            .WithSummary("Start a sweep: trials of a search space, scheduled by successive halving; the best model is registered")
            .WithDescription("Only task and dataset are required (the task's built-in space and budget: README \"Sweeps\"). 202 with the sweep " +
                "and its Location. Trials are ordinary jobs (GET /jobs?sweep={id}). The same Idempotency-Key with the same request returns " +
                "the same sweep; with another request it is 422.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/estimate", EstimateAsync)
            .RequireApiKey()
            .WithName("EstimateSweep")
            .WithSummary("Estimate a sweep's epochs and time without starting it")
            .WithDescription("Checks the request as POST /sweeps does: 200 with the trials per rung, the total epochs, and the seconds " +
                "per epoch of the first trial measured on a few batches here.");

        group.MapGet("", ListAsync).WithName("ListSweeps").WithSummary("List sweeps, newest first")
            .WithDescription("Paged (page from 1, pageSize 1-100); filter with status=running|paused|succeeded|failed|cancelled.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetSweep")
            .WithSummary("Get a sweep: every trial's settings, rung, metric per rung, status and job; the best trial so far");
        group.MapGet("/{id:guid}/events", Events).WithName("StreamSweepEvents")
            .WithSummary("Server-Sent Events: a 'sweep' event (the sweep as GET returns it) at each change, then one 'end' event");

        group.MapPost("/{id:guid}/cancel", (Guid id, [AsParameters] SweepControl c, CancellationToken ct) => c.RunAsync(id, c.Store.CancelAsync, SweepStore.CancelFrom, "cancelled", ct))
            .RequireApiKey().WithName("CancelSweep").WithSummary("Cancel a sweep: its trials are cancelled, no model is registered");
        group.MapPost("/{id:guid}/pause", (Guid id, [AsParameters] SweepControl c, CancellationToken ct) => c.RunAsync(id, c.Store.PauseAsync, SweepStore.PauseFrom, "paused", ct))
            .RequireApiKey().WithName("PauseSweep").WithSummary("Pause a running sweep: its trials checkpoint and nothing new starts");
        group.MapPost("/{id:guid}/resume", (Guid id, [AsParameters] SweepControl c, CancellationToken ct) => c.RunAsync(id, c.Store.ResumeAsync, SweepStore.ResumeFrom, "resumed", ct))
            .RequireApiKey().WithName("ResumeSweep").WithSummary("Resume a paused sweep: its trials continue from their checkpoints");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireApiKey().WithName("DeleteSweep")
            .WithSummary("Delete a finished sweep (409 while it runs); its trials' jobs and its registered model stay");
        return group;
    }

    private static async Task<Results<Accepted<SweepResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(SweepRequest request,
        [FromHeader(Name = TrainApi.IdempotencyHeader)] string? idempotencyKey, [AsParameters] SweepServices services, CancellationToken ct)
    {
        if (idempotencyKey is { Length: > 200 }) return Problems.Invalid(TrainApi.IdempotencyHeader, "At most 200 characters.");
        var (sweep, errors, unchangedTrial) = await SweepRequests.CheckAsync(request, services.Datasets, services.Limits.Value, ct);
        if (sweep is null) return TypedResults.ValidationProblem(errors);
        sweep.IdempotencyKey = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey;
        sweep.RequestHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ApiJson.Options))));
        var created = await services.Store.CreateAsync(sweep, unchangedTrial, ct);
        if (created is SweepStore.Created.KeyReused reused)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused",
                detail: $"The Idempotency-Key was already used for sweep {reused.Id} with a different request; use a new key for a new sweep.",
                extensions: new Dictionary<string, object?> { ["sweepId"] = reused.Id });
        services.Wake.Wake();
        return TypedResults.Accepted($"/sweeps/{created.Id}", (await SweepViews.LoadAsync(services.Db, created.Id, ct))!);
    }

    private static async Task<Results<Ok<SweepEstimate>, ValidationProblem>> EstimateAsync(SweepRequest request,
        [AsParameters] SweepServices services, CancellationToken ct)
    {
        var (sweep, errors, unchangedTrial) = await SweepRequests.CheckAsync(request, services.Datasets, services.Limits.Value, ct);
        if (sweep is null) return TypedResults.ValidationProblem(errors);
        try
        {
            return TypedResults.Ok(await SweepEstimate.MeasureAsync(sweep, unchangedTrial, services.Limits.Value, services.Datasets, services.Jobs, services.Estimates, ct));
        }
        catch (TrainingDataException ex)
        {
            return Problems.Invalid("dataset", ex.Message);
        }
    }

    private static async Task<Results<Ok<SweepPage>, ValidationProblem>> ListAsync(string? status, [AsParameters] PageRequest page,
        RnnDbContext db, CancellationToken ct)
    {
        var query = db.Sweeps.AsNoTracking();
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<SweepStatus>(status, ignoreCase: true, out var wanted) || int.TryParse(status, out _))
                return Problems.Invalid("status", "One of: running, paused, succeeded, failed, cancelled.");
            query = query.Where(s => s.Status == wanted);
        }
        if (page.Problem() is { } invalid) return invalid;
        var total = await query.CountAsync(ct);
        var sweeps = await page.Of(query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)).ToListAsync(ct);
        return TypedResults.Ok(new SweepPage(await SweepViews.ViewAsync(db, sweeps, ct), page.Number, page.Size, total));
    }

    private static async Task<Results<Ok<SweepResponse>, NotFoundProblem>> GetAsync(Guid id, RnnDbContext db, CancellationToken ct) =>
        await SweepViews.LoadAsync(db, id, ct) is { } sweep ? TypedResults.Ok(sweep) : Problems.NotFound($"No sweep {id}.");

    private static async Task<Results<ServerSentEventsResult<string>, NotFoundProblem>> Events(Guid id, RnnDbContext db,
        IDbContextFactory<RnnDbContext> dbFactory, CancellationToken ct)
    {
        if (!await db.Sweeps.AnyAsync(s => s.Id == id, ct)) return Problems.NotFound($"No sweep {id}.");
        return TypedResults.ServerSentEvents(StreamAsync(id, dbFactory, ct));
    }

    /// <summary>Reads the sweep every half second (the database is the truth, whichever replica changed it) and sends it when it changed.</summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(Guid id, IDbContextFactory<RnnDbContext> dbFactory,
        [EnumeratorCancellation] CancellationToken ct)
    {
        string? sent = null;
        while (!ct.IsCancellationRequested)
        {
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                if (await SweepViews.LoadAsync(db, id, ct) is not { } sweep) yield break;
                // Elapsed time changes on every read; a change is anything else.
                var json = JsonSerializer.Serialize(sweep with { ElapsedSeconds = 0 }, ApiJson.Options);
                if (json != sent) yield return new SseItem<string>(JsonSerializer.Serialize(sweep, ApiJson.Options), "sweep");
                sent = json;
                if (sweep.Status is SweepStatus.Succeeded or SweepStatus.Failed or SweepStatus.Cancelled)
                {
                    yield return new SseItem<string>(JsonSerializer.Serialize(sweep, ApiJson.Options), "end");
                    yield break;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteAsync(Guid id, SweepStore store, CancellationToken ct) =>
        await store.DeleteAsync(id, ct) switch
        {
            null => Problems.NotFound($"No sweep {id}."),
            { } status when !SweepStore.DeleteFrom.Contains(status) =>
                Problems.Conflict("id", $"The sweep is {ApiJson.EnumName(status)}; cancel it first, or wait for it to finish."),
            _ => TypedResults.NoContent(),
        };
}

/// <summary>Cancel, pause and resume: one change of the sweep and its trials, then the sweep as it is.</summary>
public sealed record SweepControl(SweepStore Store, RnnDbContext Db, RunningJobs Running, WorkerWakeSignal Wake)
{
    public async Task<Results<Ok<SweepResponse>, NotFoundProblem, ConflictProblem>> RunAsync(Guid id,
        Func<Guid, CancellationToken, Task<SweepStatus?>> change, SweepStatus[] from, string what, CancellationToken ct)
    {
        var was = await change(id, ct);
        if (was is not { } status) return Problems.NotFound($"No sweep {id}.");
        if (!from.Contains(status))
            return Problems.Conflict("id", $"The sweep is {ApiJson.EnumName(status)}; only a {string.Join(" or ", from.Select(ApiJson.EnumName))} sweep can be {what}.");
        // Trials running here read their cancel or pause mark now; other replicas within Worker:ProgressInterval.
        foreach (var jobId in await Db.TrainingJobs.Where(j => j.SweepId == id && j.Status == JobStatus.Running).Select(j => j.Id).ToListAsync(ct))
            Running.CheckNow(jobId);
        Wake.Wake();
        return TypedResults.Ok((await SweepViews.LoadAsync(Db, id, ct))!);
    }
}
