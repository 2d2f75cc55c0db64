using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Monitoring;

/// <summary>Guards /metrics (Metrics:RequireApiKey) with Auth:ApiKey, given as X-Api-Key or as a bearer token:
/// Prometheus' scrape config sends the latter natively (its authorization block).</summary>
public sealed class MetricsApiKeyFilter(IOptionsMonitor<AuthOptions> auth) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = auth.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(expected)) return await next(context);

        var headers = context.HttpContext.Request.Headers;
        var given = headers[ApiKeyEndpointFilter.HeaderName].ToString();
        var authorization = headers.Authorization.ToString();
        if (given.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) given = authorization[7..].Trim();
        // Hashing first gives equal lengths, so not even the key's length leaks through timing.
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: $"/metrics needs the API key, as the {ApiKeyEndpointFilter.HeaderName} header or 'Authorization: Bearer <key>'.");
        }
        return await next(context);
    }
}
