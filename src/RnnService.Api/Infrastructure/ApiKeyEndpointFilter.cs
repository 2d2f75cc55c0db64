using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Infrastructure;

/// <summary>When Auth:ApiKey is set, the endpoint needs a matching X-Api-Key header (compared in constant time); with
/// <paramref name="acceptBearer"/>, 'Authorization: Bearer &lt;key&gt;' too (Prometheus' scrape config sends that natively).</summary>
public sealed class ApiKeyEndpointFilter(IOptionsMonitor<AuthOptions> auth, bool acceptBearer, string detail) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = auth.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(expected)) return await next(context);

        var headers = context.HttpContext.Request.Headers;
        var given = headers[HeaderName].ToString();
        var authorization = headers.Authorization.ToString();
        if (acceptBearer && given.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) given = authorization[7..].Trim();
        // Hashing first gives equal lengths, so not even the key's length leaks through timing.
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);
        return await next(context);
    }
}

/// <summary>Marks an endpoint guarded by the API key, for the OpenAPI document.</summary>
public sealed class RequiresApiKeyMetadata;

public static class ApiKeyEndpointFilterExtensions
{
    /// <summary>Guards a write endpoint with the optional API key and documents the 401.</summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder) =>
        builder.AddApiKeyFilter(acceptBearer: false, $"This endpoint needs the {ApiKeyEndpointFilter.HeaderName} header with the configured API key.")
            .WithMetadata(new RequiresApiKeyMetadata())
            .ProducesProblem(StatusCodes.Status401Unauthorized);

    /// <summary>Guards /metrics (Metrics:RequireApiKey): the key as X-Api-Key or as a bearer token.</summary>
    public static RouteHandlerBuilder RequireApiKeyOrBearer(this RouteHandlerBuilder builder) =>
        builder.AddApiKeyFilter(acceptBearer: true,
            $"/metrics needs the API key, as the {ApiKeyEndpointFilter.HeaderName} header or 'Authorization: Bearer <key>'.");

    private static RouteHandlerBuilder AddApiKeyFilter(this RouteHandlerBuilder builder, bool acceptBearer, string detail) =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyEndpointFilter(context.ApplicationServices.GetRequiredService<IOptionsMonitor<AuthOptions>>(), acceptBearer, detail);
            return invocation => filter.InvokeAsync(invocation, next);
        });
}
