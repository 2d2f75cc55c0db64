using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Security;

/// <summary>The "ApiKey" authentication scheme: a configured key in the X-Api-Key header or as
/// 'Authorization: Bearer &lt;key&gt;' (what OpenAI clients and Prometheus send) signs the request in as that key's name.
/// It only reads headers, and runs before routing reaches an endpoint, so a refused request's body is never read.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>The key the request presents, or null when it presents none.</summary>
    public static string? PresentedKey(IHeaderDictionary headers)
    {
        var header = headers[HeaderName].ToString();
        if (header.Length > 0) return header;
        var authorization = headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request.Headers) is not { } given) return Task.FromResult(AuthenticateResult.NoResult());
        if (auth.CurrentValue.NameOf(given) is not { } name) return Task.FromResult(AuthenticateResult.Fail("The API key is not a configured key."));

        // Who changed what: every write names the key it came with (never the key itself).
        if (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && !HttpMethods.IsOptions(Request.Method))
            Logger.LogInformation("API key {KeyName}: {Method} {Path}", name, Request.Method, Request.Path.Value);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>401 as ProblemDetails, saying where the key goes (or that the one given is wrong).</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var wrongKey = PresentedKey(Request.Headers) is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = wrongKey
                    ? $"The API key given ({HeaderName} or Bearer) is not one of the service's keys."
                    : $"This endpoint needs an API key, as the {HeaderName} header or 'Authorization: Bearer <key>'.",
            },
        });
    }
}
