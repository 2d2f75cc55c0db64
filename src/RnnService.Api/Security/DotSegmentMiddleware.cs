using Microsoft.AspNetCore.Http.Features;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Security;

/// <summary>400 for a request target with a '.' or '..' segment, percent-encoded or not. Kestrel removes dot segments
/// after decoding, so GET /models/%2E%2E would otherwise reach "/" and answer the dashboard's page; no resource here
/// is named '.' or '..' (ModelNames refuses them).</summary>
public sealed class DotSegmentMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target)) target = context.Request.PathBase + context.Request.Path;
        var path = target.Split('?', 2)[0];
        if (path.Split('/').Any(segment => Uri.UnescapeDataString(segment) is "." or ".."))
        {
            await Problems.InvalidField("path", "A path segment may not be '.' or '..', encoded or not.").ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
