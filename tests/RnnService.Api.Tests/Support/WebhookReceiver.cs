using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RnnService.Api.Tests;

/// <summary>One request a <see cref="WebhookReceiver"/> got: the Standard Webhooks headers and the body as sent.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, DateTime At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public JsonElement Data => Json.GetProperty("data");

    /// <summary>Verifies the signature as a receiver would, written from the Standard Webhooks specification (not the
    /// service's code): v1, base64 HMAC-SHA256 of "id.timestamp.body" keyed with the base64 after "whsec_".</summary>
    public bool IsSignedWith(string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{Id}.{Timestamp}.{Body}")));
        return Signature.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)))
            && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(Timestamp)) < 300;
    }
}

/// <summary>A real HTTP receiver (Kestrel on a free loopback port) that records every request to /hook and answers with
/// the status <see cref="Answer"/> gives for the request's number (1, 2, ...), after <see cref="Delay"/>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Func<int, int> Answer { get; set; } = _ => StatusCodes.Status200OK;
    public TimeSpan Delay { get; set; }
    public string Url { get; private set; } = "";
    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();
    /// <summary>Distinct webhook-ids received.</summary>
    public int DistinctIds => Received.Select(r => r.Id).Distinct().Count();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var number = Interlocked.Increment(ref receiver._count);
            await Task.Delay(receiver.Delay);
            receiver._received.Enqueue(new ReceivedWebhook(request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
                request.Headers["webhook-signature"].ToString(), body, DateTime.UtcNow));
            return Results.Text($"answer to request {number}", statusCode: receiver.Answer(number));
        });
        await app.StartAsync();
        receiver.Url = app.Urls.Single() + "/hook";
        return receiver;
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> distinct webhook-ids have arrived.</summary>
    public Task WaitForAsync(int count, TimeSpan timeout) =>
        Poll.UntilAsync(() => DistinctIds >= count, timeout, $"{count} distinct webhook events");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
