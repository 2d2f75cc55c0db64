using Microsoft.Net.Http.Headers;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Security;

/// <summary>415 for a POST, PUT or PATCH that carries no API key and is not application/json, body or not. A browser
/// sends a cross-site request without asking first (a form, or fetch in no-cors mode) only as a form, multipart or
/// text/plain; a JSON content type needs a CORS preflight, which this service never grants. So a page elsewhere cannot
/// make a visitor's browser cancel, resume or pause jobs, even when no key is configured.</summary>
public sealed class CrossSiteWriteMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var write = HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);
        if (!write || IsJson(request.ContentType) || ApiKeyAuthenticationHandler.PresentedKey(request.Headers) is not null)
        {
            await next(context);
            return;
        }
        var found = string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{request.ContentType}'";
        await Problems.UnsupportedMediaType("Content-Type",
            $"Writes without an API key must be Content-Type: application/json (found {found}), even with no body.").ExecuteAsync(context);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}
