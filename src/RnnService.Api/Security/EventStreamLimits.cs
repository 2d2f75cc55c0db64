using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Security;

/// <summary>Concurrent Server-Sent Event streams, bound from the "EventStreams" section. A stream holds a connection,
/// a database poll and memory for as long as the client keeps it open.</summary>
public sealed class EventStreamOptions
{
    public const string Section = "EventStreams";
    /// <summary>Streams open at once per client IP; beyond it 429.</summary>
    [Range(1, int.MaxValue)] public int MaxPerClient { get; set; } = 8;
    /// <summary>Streams open at once on this replica; beyond it 503.</summary>
    [Range(1, int.MaxValue)] public int MaxTotal { get; set; } = 200;
    [Range(1, 3600)] public int RetryAfterSeconds { get; set; } = 5;
}

/// <summary>Takes a stream slot for any endpoint that answers text/event-stream (/jobs/{id}/events and any stream
/// added later, found by its response metadata) and holds it until the stream ends; a request over a cap gets
/// 429 (this client) or 503 (all clients) with Retry-After before any work is done.</summary>
public sealed class EventStreamLimitMiddleware(RequestDelegate next, IOptionsMonitor<EventStreamOptions> options, IProblemDetailsService problems)
{
    private readonly Dictionary<string, int> _perClient = [];
    private int _total;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsEventStream(context.GetEndpoint()))
        {
            await next(context);
            return;
        }
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var limits = options.CurrentValue;
        int? refusal;
        lock (_perClient)
        {
            var mine = _perClient.GetValueOrDefault(client);
            refusal = mine >= limits.MaxPerClient ? StatusCodes.Status429TooManyRequests
                : _total >= limits.MaxTotal ? StatusCodes.Status503ServiceUnavailable
                : null;
            if (refusal is null)
            {
                _perClient[client] = mine + 1;
                _total++;
            }
        }
        if (refusal is { } status)
        {
            await RefuseAsync(context, status, limits);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            lock (_perClient)
            {
                if (--_perClient[client] == 0) _perClient.Remove(client);
                _total--;
            }
        }
    }

    private static bool IsEventStream(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<StreamsBoundByInferenceSlots>() is null &&
        endpoint?.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()
            .Any(produces => produces.ContentTypes.Contains("text/event-stream", StringComparer.OrdinalIgnoreCase)) == true;

    private ValueTask RefuseAsync(HttpContext context, int status, EventStreamOptions limits)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = status == StatusCodes.Status429TooManyRequests ? "Too many requests" : "Service unavailable",
                Detail = status == StatusCodes.Status429TooManyRequests
                    ? $"This client already has {limits.MaxPerClient} event streams open (EventStreams:MaxPerClient); close one or retry after {limits.RetryAfterSeconds} s."
                    : $"The service has {limits.MaxTotal} event streams open (EventStreams:MaxTotal); retry after {limits.RetryAfterSeconds} s.",
            },
        });
    }
}

/// <summary>Endpoint metadata: the endpoint's answers, streamed or not, hold an inference slot (Inference:MaxConcurrentRequests),
/// so the event-stream caps leave it alone; otherwise every POST /generate (which may stream) would count as a stream.</summary>
public sealed class StreamsBoundByInferenceSlots;
