using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.Infrastructure;

/// <summary>Turns request-binding failures (malformed JSON, NaN, unknown enum values, invalid UTF-8,
/// repeated properties, NUL characters, empty bodies, bodies over the limit) into ProblemDetails naming the JSON path of
/// the field, instead of a 500. Every message is ours: none of the framework's wording (parameter names, type names,
/// "Did you mean to use a Service instead?") reaches a client.</summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    // System.Text.Json names the containing type, not the enum, so the field's name says which values it takes.
    private static readonly Dictionary<string, string> AllowedEnumValues = new()
    {
        ["task"] = "sentiment, charlm",
        ["architecture"] = "lstm, gru, rnn",
        ["optimizer"] = "adam, sgd",
        ["format"] = "csv, jsonl, text",
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        ProblemDetails problem;
        if (FindJsonException(bad) is { } json)
        {
            var field = json is ApiJson.NulCharacterException nul
                ? (FieldName(json.Path) is var owner && owner != "body" ? $"{owner}.{nul.Property}" : nul.Property)
                : FieldName(json.Path);
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [Describe(json, field)] })
            {
                Title = "The request body is not valid JSON for this endpoint.",
            };
        }
        else if (status == StatusCodes.Status413PayloadTooLarge)
        {
            problem = new ProblemDetails { Title = "Payload too large", Detail = "The request body is larger than the configured limit (Limits:MaxRequestBodyBytes)." };
        }
        else
        {
            var message = status == StatusCodes.Status415UnsupportedMediaType ? "The body must be application/json."
                : context.Request.ContentLength == 0 || context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding")
                    ? "The body is empty; this endpoint needs a JSON object."
                    : "The request could not be read as this endpoint's parameters.";
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [message] })
            {
                Title = "The request could not be read.",
            };
        }
        problem.Status = status;
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static JsonException? FindJsonException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is JsonException json) return json;
        return null;
    }

    /// <summary>"$.hyperparameters.learningRate" -> "hyperparameters.learningRate"; the root -> "body".</summary>
    public static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static string Describe(JsonException json, string field)
    {
        if (json.InnerException?.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) == true)
            return "The text is not valid UTF-8.";
        var message = json.Message;
        if (json is ApiJson.NulCharacterException) return message;
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)) return "The property appears more than once.";
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return "Unknown property.";
        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            var name = field.Split('.')[^1];
            return AllowedEnumValues.TryGetValue(name, out var allowed)
                ? $"Must be one of: {allowed}."
                : "The value has the wrong type or is out of range.";
        }
        if (message.Contains("invalid start of a value", StringComparison.Ordinal))
            return field == "body" && json.LineNumber == 0 && json.BytePositionInLine == 0
                ? "The body is not JSON (a compressed body is not accepted: send it without Content-Encoding)."
                : "Not a JSON value (NaN and Infinity are not numbers in JSON).";
        return $"Malformed JSON at line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}.";
    }
}
