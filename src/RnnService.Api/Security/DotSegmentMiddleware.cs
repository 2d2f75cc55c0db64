using Microsoft.AspNetCore.Http.Features;

namespace RnnService.Api.Security;

/// <summary>400 for a request target with a '.' or '..' segment, percent-encoded or not. Kestrel removes dot segments
/// after decoding, so GET /models/%2E%2E would otherwise reach "/" and answer the dashboard's page; no resource here
/// is named '.' or '..' (ModelNames refuses them).</summary>
public sealed class DotSegmentMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target)) target = context.Request.PathBase + context.Request.Path;
        var path = target.Split('?', 2)[0];
        if (path.Split('/').Any(segment => Uri.UnescapeDataString(segment) is "." or ".."))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    ["path"] = ["A path segment may not be '.' or '..', encoded or not."],
                })
                { Status = StatusCodes.Status400BadRequest, Title = "One or more validation errors occurred." },
            });
            return;
        }
        await next(context);
    }
}
