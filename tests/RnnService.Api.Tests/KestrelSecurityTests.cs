using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace RnnService.Api.Tests;

/// <summary>Issue 27, findings 2, 9 and 10, on a real Kestrel socket (the in-memory test server has no Server header,
/// no path normalisation and no network body): raw HTTP/1.1 requests, so nothing between the test and the service
/// normalises or completes them.</summary>
public sealed class KestrelSecurityTests : IAsyncLifetime
{
    private readonly RnnServiceFactory _factory = new(new() { ["Auth:ApiKey"] = "s3cret" });
    private Uri _address = null!;

    public Task InitializeAsync()
    {
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        _address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>Sends <paramref name="request"/> as is and returns what came back within <paramref name="seconds"/>
    /// (the whole answer when the server closes the connection, else what had arrived).</summary>
    private async Task<string> RawAsync(string request, double seconds = 10)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_address.Host, _address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (IsComplete(received)) break;
            }
        }
        catch (OperationCanceledException) { }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static bool IsComplete(MemoryStream received)
    {
        var text = Encoding.UTF8.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = text[..end].Split("\r\n");
        if (headers.Any(h => h.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))) return text.EndsWith("\r\n0\r\n\r\n");
        var length = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length.Split(':')[1]);
    }

    [Fact]
    public async Task AnAnonymousUploadIsRefusedBeforeItsBodyIsSent()
    {
        // Headers for a 60 MB upload, and not one byte of it: the 401 must come without waiting for the body.
        var started = DateTime.UtcNow;
        var answer = await RawAsync("POST /datasets HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {60 * 1024 * 1024}\r\n\r\n", seconds: 5);
        Assert.StartsWith("HTTP/1.1 401", answer);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "the 401 waited for the body");
    }

    [Fact]
    public async Task AnEncodedDotDotSegmentIsA400NotTheDashboardPage()
    {
        foreach (var target in new[] { "/models/%2E%2E", "/models/%2e%2E/weights", "/models/..", "/datasets/%2E" })
        {
            var answer = await RawAsync($"GET {target} HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: s3cret\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400", answer);
            Assert.Contains("application/problem+json", answer);
            Assert.DoesNotContain("<html", answer);
        }
    }

    [Fact]
    public async Task EveryAnswerCarriesTheSecurityHeadersAndNoServerHeader()
    {
        foreach (var target in new[] { "/", "/js/app.js", "/health", "/jobs", "/no-such-page" })
        {
            var answer = await RawAsync($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            var headers = answer[..answer.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n").Skip(1)
                .Select(line => line.Split(':', 2)).ToDictionary(p => p[0].ToLowerInvariant(), p => p[1].Trim());
            Assert.False(headers.ContainsKey("server"), $"{target}: Server: {headers.GetValueOrDefault("server")}");
            Assert.Equal("nosniff", headers["x-content-type-options"]);
            Assert.Equal("no-referrer", headers["referrer-policy"]);
            Assert.Equal("DENY", headers["x-frame-options"]);
            var csp = headers["content-security-policy"];
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Contains("script-src 'self';", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
        }
    }
}
