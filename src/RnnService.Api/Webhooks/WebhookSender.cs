using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Webhooks;

/// <summary>What one attempt came to. Success is any 2xx; a redirect is a failure (redirects are not followed).</summary>
public sealed record AttemptOutcome(bool Succeeded, int? StatusCode, double DurationMs, string? Error, string? ResponseExcerpt);

/// <summary>Sends one delivery attempt: a POST of the event's JSON with the Standard Webhooks headers, within
/// Webhooks:Timeout, following no redirect, connecting only to allowed addresses, and keeping the first
/// <see cref="ExcerptLength"/> characters of the answer.</summary>
public sealed class WebhookSender : IDisposable
{
    public const int ExcerptLength = 200;
    private readonly HttpClient _client;
    private readonly WebhooksOptions _options;

    public WebhookSender(IOptions<WebhooksOptions> options)
    {
        _options = options.Value;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = _options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1), // DNS changes are picked up (and checked again)
        };
        if (!_options.AllowPrivateTargets) handler.ConnectCallback = WebhookTargets.ConnectAsync;
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("RnnService-Webhooks", "1.0"));
    }

    public async Task<AttemptOutcome> SendAsync(string url, string secret, string messageId, string body, CancellationToken ct)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSecrets.Sign(secret, messageId, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ExcerptAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            var ok = status is >= 200 and < 300;
            var error = ok ? null : status is >= 300 and < 400 ? $"Redirect ({status}) not followed." : $"The receiver answered {status}.";
            return new AttemptOutcome(ok, status, Elapsed(started), error, excerpt);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptOutcome(false, null, Elapsed(started), $"No answer within {_options.Timeout.TotalSeconds:0.###} s (Webhooks:Timeout).", null);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptOutcome(false, null, Elapsed(started), Truncate(ex.InnerException?.Message is { } inner ? $"{ex.Message} {inner}" : ex.Message, 1000), null);
        }
    }

    /// <summary>At most a few bytes of the body: enough to read an error, never a whole page.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ExcerptLength * 4];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0) read += n;
        return read == 0 ? null : Truncate(Encoding.UTF8.GetString(buffer, 0, read), ExcerptLength);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    public void Dispose() => _client.Dispose();
}
