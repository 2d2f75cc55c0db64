using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Infrastructure;

/// <summary>Answers 413 ProblemDetails for any body over Limits:MaxRequestBodyBytes: at once when
/// Content-Length says so, otherwise the server's body-size feature stops the read.</summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<LimitsOptions> limits, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var max = limits.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Payload too large",
                    Detail = $"The request body is {context.Request.ContentLength} bytes; the limit is {max} bytes (Limits:MaxRequestBodyBytes).",
                },
            });
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = max;
        await next(context);
    }
}
