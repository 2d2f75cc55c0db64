using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.Infrastructure;

/// <summary>ProblemDetails builders shared by the endpoints. Each 400, and a 404 or 409 with a field, names the field
/// (route value, query parameter or body property) it is about in its errors.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static NotFoundProblem NotFound(string what) =>
        new(new ProblemDetails { Title = "Not found", Status = 404, Detail = what });

    public static ConflictProblem Conflict(string detail) =>
        new(new ProblemDetails { Title = "Conflict", Status = 409, Detail = detail });

    /// <summary>A 400 naming its field, as a plain problem result: for helpers that answer more than one status (<c>ModelResolver</c>).</summary>
    public static ProblemHttpResult InvalidField(string field, string message) =>
        TypedResults.Problem(FieldDetails(field, message, "One or more validation errors occurred.", StatusCodes.Status400BadRequest));

    /// <summary>A 404 naming the field whose value found nothing.</summary>
    public static ProblemHttpResult NotFound(string field, string message) =>
        TypedResults.Problem(FieldDetails(field, message, "Not found", StatusCodes.Status404NotFound));

    /// <summary>A 409 naming the field whose value conflicts.</summary>
    public static ConflictProblem Conflict(string field, string message) =>
        new(FieldDetails(field, message, "Conflict", StatusCodes.Status409Conflict));

    private static HttpValidationProblemDetails FieldDetails(string field, string message, string title, int status) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Title = title, Status = status, Detail = message };

    /// <summary>A 413 that still names the offending field, like a validation problem.</summary>
    public static ProblemHttpResult TooLarge(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Title = "Payload too large",
            Status = StatusCodes.Status413PayloadTooLarge,
            Detail = message,
        });

    /// <summary>A 415 naming the field (the Content-Type header) whose value this endpoint does not take.</summary>
    public static ProblemHttpResult UnsupportedMediaType(string field, string message) =>
        TypedResults.Problem(FieldDetails(field, message, "Unsupported media type", StatusCodes.Status415UnsupportedMediaType));

    /// <summary>camelCase of a .NET property name ("HiddenSize" -> "hiddenSize").</summary>
    public static string CamelCase(string name) =>
        string.IsNullOrEmpty(name) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
