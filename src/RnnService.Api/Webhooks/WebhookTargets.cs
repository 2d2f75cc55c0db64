using System.Net;
using System.Net.Sockets;

namespace RnnService.Api.Webhooks;

/// <summary>Which URLs a webhook may call: http or https only, and (unless Webhooks:AllowPrivateTargets) never a host that
/// resolves to a loopback, private, link-local, carrier-grade NAT, multicast or cloud metadata address. Checked when the URL
/// is saved and again by <see cref="ConnectAsync"/> at every connection, so a name re-pointed later (DNS rebinding) is refused too.</summary>
public static class WebhookTargets
{
    /// <summary>Why the URL cannot be a webhook's target, or null when it can.</summary>
    public static async Task<string?> ProblemAsync(string? url, bool allowPrivate, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(url)) return "Required: the URL to POST events to.";
        if (url.Length > WebhookRules.MaxUrlLength) return $"At most {WebhookRules.MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "Must be an absolute http:// or https:// URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "Must not carry a user name or password.";
        if (allowPrivate) return null;
        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await Dns.GetHostAddressesAsync(uri.DnsSafeHost, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return $"The host '{uri.DnsSafeHost}' does not resolve.";
        }
        return addresses.FirstOrDefault(IsPrivate) is { } refused
            ? $"The host '{uri.DnsSafeHost}' resolves to {refused}, a loopback, private, link-local or metadata address " +
              "(allowed only with Webhooks:AllowPrivateTargets)."
            : null;
    }

    /// <summary>SocketsHttpHandler.ConnectCallback: resolves the host and connects only when no address is private.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.FirstOrDefault(IsPrivate) is { } refused)
            throw new HttpRequestException($"Refused: {host} resolves to {refused}, a private address (Webhooks:AllowPrivateTargets is off).");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local (AWS's fd00:ec2::254 metadata is in it)
        }
        var v4 = address.GetAddressBytes();
        return v4[0] switch
        {
            0 or 10 or 127 => true,
            100 => v4[1] is >= 64 and <= 127,   // carrier-grade NAT
            169 => v4[1] == 254,                // link-local, 169.254.169.254 metadata included
            172 => v4[1] is >= 16 and <= 31,
            192 => v4[1] == 168 || (v4[1] == 0 && v4[2] == 0),
            198 => v4[1] is 18 or 19,           // benchmarking
            >= 224 => true,                     // multicast, reserved, broadcast
            _ => false,
        };
    }
}
