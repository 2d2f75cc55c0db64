using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.Infrastructure;

/// <summary>ProblemDetails builders shared by the endpoints.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static NotFoundProblem NotFound(string what) =>
        new(new ProblemDetails { Title = "Not found", Status = 404, Detail = what });

    public static ConflictProblem Conflict(string detail) =>
        new(new ProblemDetails { Title = "Conflict", Status = 409, Detail = detail });

    /// <summary>A 413 that still names the offending field, like a validation problem.</summary>
    public static ProblemHttpResult TooLarge(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Title = "Payload too large",
            Status = StatusCodes.Status413PayloadTooLarge,
            Detail = message,
        });

    /// <summary>camelCase of a .NET property name ("HiddenSize" -> "hiddenSize").</summary>
    public static string CamelCase(string name) =>
        string.IsNullOrEmpty(name) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
