using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Security;

/// <summary>Passes when no key is configured, when the request signed in with a key, or when Auth:PublicReads lets it
/// through as a read (unless <see cref="EvenForReads"/>). It is the fallback policy: every endpoint without its own
/// (any endpoint another part of the service adds, too) and every middleware after UseAuthorization needs the key.</summary>
public sealed record ApiKeyRequirement(bool EvenForReads) : IAuthorizationRequirement;

/// <summary>Marks a POST that only reads (inference): Auth:PublicReads opens it like a GET.</summary>
public sealed class ReadOnlyEndpointMetadata;

public sealed class ApiKeyAuthorizationHandler(IOptionsMonitor<AuthOptions> auth) : AuthorizationHandler<ApiKeyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRequirement requirement)
    {
        var options = auth.CurrentValue;
        if (!options.KeysConfigured || context.User.Identity?.IsAuthenticated == true
            || (options.PublicReads && !requirement.EvenForReads && context.Resource is HttpContext http && IsRead(http)))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }

    private static bool IsRead(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
        || http.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyEndpointMetadata>() is not null;
}

public static class ApiKeyAuthorization
{
    /// <summary>Needs the key even when Auth:PublicReads is set (GET /metrics with Metrics:RequireApiKey).</summary>
    public const string EvenForReadsPolicy = "ApiKeyEvenForReads";

    public static AuthorizationPolicy Fallback { get; } = new AuthorizationPolicyBuilder().AddRequirements(new ApiKeyRequirement(false)).Build();

    /// <summary>The API key scheme, the fallback policy, and the settings they read (validated at start).</summary>
    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, ApiKeyAuthorizationHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(Fallback)
            .AddPolicy(EvenForReadsPolicy, policy => policy.AddRequirements(new ApiKeyRequirement(true)));
        return services;
    }

    /// <summary>The endpoint needs the key whenever keys are configured, Auth:PublicReads or not. Writes need it
    /// anyway (the fallback policy); this is for reads that must stay private.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(EvenForReadsPolicy);

    /// <summary>A POST that only reads: Auth:PublicReads opens it like a GET.</summary>
    public static TBuilder OpenWithPublicReads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ReadOnlyEndpointMetadata());
}
