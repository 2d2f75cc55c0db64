using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Training;

namespace RnnService.Api.Health;

/// <summary>Health of this replica: the database answers, this replica's worker loop went round recently and its
/// warm-up (Worker:WarmUp) is over.
/// Replica is the host name and process id that GET /jobs/{id} shows as a running job's worker.</summary>
public sealed record HealthResponse(string Status, string Replica, string DatabaseProvider, bool Database, bool Worker, DateTime WorkerLastTick);

public static class HealthApi
{
    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // Load balancers and orchestrators probe it without a key.
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        group.MapGet("/", CheckAsync)
            .WithName("Health")
            .WithSummary("Database reachable and training worker alive and warmed up")
            .WithDescription("200 when the database answers, the worker loop is alive and its start-up warm-up (Worker:WarmUp) is over; 503 ProblemDetails otherwise, with the same fields and warmingUp as extensions.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> CheckAsync(
        RnnDbContext db, WorkerHealth worker, WorkerIdentity identity, IOptions<WorkerOptions> options, CancellationToken ct)
    {
        bool database;
        try
        {
            database = await db.Database.CanConnectAsync(ct);
        }
        catch (Exception)
        {
            database = false;
        }
        var lastTick = worker.LastTick;
        var workerAlive = DateTime.UtcNow - lastTick < options.Value.StallTimeout;
        var warmingUp = worker.WarmingUp;
        var provider = db.Database.IsNpgsql() ? nameof(DatabaseProvider.Postgres) : nameof(DatabaseProvider.Sqlite);
        if (database && workerAlive && !warmingUp) return TypedResults.Ok(new HealthResponse("healthy", identity.Name, provider, true, true, lastTick));
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unhealthy",
            detail: !database ? "The database is not reachable."
                : warmingUp ? "The training worker is warming up (Worker:WarmUp): it compiles the engine before its first job, in under a second."
                : $"The training worker has not run since {lastTick:O}.",
            extensions: new Dictionary<string, object?>
            {
                ["replica"] = identity.Name, ["databaseProvider"] = provider,
                ["database"] = database, ["worker"] = workerAlive, ["workerLastTick"] = lastTick, ["warmingUp"] = warmingUp,
            });
    }
}
