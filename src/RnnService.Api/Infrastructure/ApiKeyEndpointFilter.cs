using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Infrastructure;

/// <summary>When Auth:ApiKey is set, the endpoint needs a matching X-Api-Key header (compared in constant time).</summary>
public sealed class ApiKeyEndpointFilter(IOptionsMonitor<AuthOptions> auth) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = auth.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(expected)) return await next(context);

        var given = context.HttpContext.Request.Headers[HeaderName].ToString();
        // Hashing first gives equal lengths, so not even the key's length leaks through timing.
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: $"This endpoint needs the {HeaderName} header with the configured API key.");
        }
        return await next(context);
    }
}

/// <summary>Marks an endpoint guarded by the API key, for the OpenAPI document.</summary>
public sealed class RequiresApiKeyMetadata;

public static class ApiKeyEndpointFilterExtensions
{
    /// <summary>Guards a write endpoint with the optional API key and documents the 401.</summary>
    public static RouteHandlerBuilder RequireApiKey(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ApiKeyEndpointFilter>()
            .WithMetadata(new RequiresApiKeyMetadata())
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
