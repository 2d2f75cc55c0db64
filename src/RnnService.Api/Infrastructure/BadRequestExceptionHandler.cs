using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.Infrastructure;

/// <summary>Turns request-binding failures (malformed JSON, NaN, unknown enum values, invalid UTF-8,
/// repeated properties, NUL characters, empty bodies, bodies over the limit) into ProblemDetails naming the JSON path of
/// the field, instead of a 500. Every message is ours: none of the framework's wording (parameter names, type names,
/// "Did you mean to use a Service instead?") reaches a client.</summary>
public sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
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
            var (field, message) = DescribeBinding(bad, status);
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Title = "The request could not be read.",
            };
        }
        problem.Status = status;
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The field and our message for a binding failure that is not about JSON: a query or route value that does
    /// not parse or is missing (named by the parameter), an empty body, a body of another media type.</summary>
    private static (string Field, string Message) DescribeBinding(BadHttpRequestException bad, int status)
    {
        if (status == StatusCodes.Status415UnsupportedMediaType) return ("body", "The body must be application/json.");
        if (ParameterFailure().Match(bad.Message) is { Success: true } match && match.Groups["source"].Value != "body")
            return (match.Groups["name"].Value, match.Groups["kind"].Value == "Failed to bind" ? "Not a valid value for this parameter." : "Required.");
        return bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && bad.Message.Contains("provided", StringComparison.Ordinal)
            ? ("body", "The body is empty; this endpoint needs a JSON object.")
            : ("body", "The request could not be read.");
    }

    // ASP.NET Core's wording, read only to find the parameter's name: 'Failed to bind parameter "int? rows" from "x".',
    // 'Required parameter "string name" was not provided from query string.'
    [GeneratedRegex("^(?<kind>Failed to bind|Required) parameter \"[^\"]*?(?<name>[A-Za-z0-9_]+)\"( from| was not provided from (?<source>[a-z ]+))")]
    private static partial Regex ParameterFailure();

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
