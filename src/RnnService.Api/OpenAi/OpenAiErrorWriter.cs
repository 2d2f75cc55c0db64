using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.OpenAi;

/// <summary>Every error under /v1 (the handlers' problems, bad JSON, 429, 503, 504) in OpenAI's shape,
/// {"error": {"message", "type", "param", "code"}}, which OpenAI's client libraries read; param is the field a
/// problem names. Registered before the default writer, so IProblemDetailsService picks it for these paths.</summary>
public sealed class OpenAiErrorWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments(CompletionsApi.Prefix);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        int status = problem.Status ?? http.Response.StatusCode;
        string? param = null;
        var message = problem.Detail ?? problem.Title ?? $"HTTP {status}";
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } invalid)
        {
            var (field, messages) = invalid.Errors.First();
            param = field;
            message = $"{field}: {messages.FirstOrDefault() ?? message}";
        }
        var (type, code) = Classify(status, param);
        http.Response.StatusCode = status;
        return new ValueTask(http.Response.WriteAsJsonAsync(new OpenAiError(new OpenAiErrorDetail(message, type, param, code)),
            OpenAiJson.Options, contentType: "application/json", cancellationToken: http.RequestAborted));
    }

    /// <summary>OpenAI's type and code for an error of this status (param: the field it names).</summary>
    public static (string Type, string? Code) Classify(int status, string? param) => status switch
    {
        StatusCodes.Status401Unauthorized => ("authentication_error", "invalid_api_key"),
        StatusCodes.Status404NotFound when param == "model" => ("invalid_request_error", "model_not_found"),
        StatusCodes.Status429TooManyRequests => ("rate_limit_error", "rate_limit_exceeded"),
        StatusCodes.Status503ServiceUnavailable => ("server_error", "overloaded"),
        StatusCodes.Status504GatewayTimeout => ("server_error", "timeout"),
        >= 500 => ("server_error", null),
        _ => ("invalid_request_error", null),
    };
}
