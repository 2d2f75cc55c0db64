namespace RnnService.Api.Security;

/// <summary>Headers on every answer, errors included (set as the response starts, after any handler cleared them):
/// the dashboard runs only its own files (no inline script or style attribute, nothing from elsewhere), no page may
/// frame it, no answer is sniffed as another type, and no Referer leaves the browser. Kestrel's Server header is off
/// (AddRnnServices). HSTS belongs to the TLS proxy in front (README).</summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY"; // frame-ancestors for browsers without CSP 2
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
