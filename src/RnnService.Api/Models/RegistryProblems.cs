using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Models;

/// <summary>ProblemDetails of the model registry; each names the field (route value or body property) it is about.</summary>
public static class RegistryProblems
{
    public static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(Details(field, message, "One or more validation errors occurred.", StatusCodes.Status400BadRequest));

    public static ProblemHttpResult NotFound(string field, string message) =>
        TypedResults.Problem(Details(field, message, "Not found", StatusCodes.Status404NotFound));

    public static ConflictProblem Conflict(string field, string message) =>
        new(Details(field, message, "Conflict", StatusCodes.Status409Conflict));

    private static HttpValidationProblemDetails Details(string field, string message, string title, int status) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Title = title, Status = status, Detail = message };
}
