using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RnnService.Api.Infrastructure;

/// <summary>A database that is away (PostgreSQL restarting, unreachable, a SQLite file locked for too long) is
/// answered 503 with Retry-After and a ProblemDetails, not a 500: nothing was lost, and the same request can be
/// sent again once it is back.</summary>
public sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || context.Response.HasStarted) return false;
        logger.LogWarning("{Method} {Path}: the database is unavailable ({Error}).", context.Request.Method, context.Request.Path, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable",
                Detail = $"The service could not reach its database. Nothing was changed; retry after {RetryAfterSeconds} s.",
            },
        });
    }

    /// <summary>Connection-level failures only: a constraint violation or a bad query is a bug, not an outage.</summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.IsTransient || pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                case NpgsqlException and not PostgresException:
                case SqliteException { SqliteErrorCode: 5 or 6 or 14 }: // busy, locked, cannot open
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }
}
