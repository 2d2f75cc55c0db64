using Microsoft.AspNetCore.Http.HttpResults;

namespace RnnService.Api.Registry;

/// <summary>The model a reference names, or the ProblemDetails (400 or 404, naming the field) to answer instead.</summary>
public sealed record ModelLookup(Guid? Id, ProblemHttpResult? Problem)
{
    public static ModelLookup Found(Guid id) => new(id, null);
    public static ModelLookup Failed(ProblemHttpResult problem) => new(null, problem);
}
