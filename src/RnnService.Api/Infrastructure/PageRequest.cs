using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace RnnService.Api.Infrastructure;

/// <summary>?page=&amp;pageSize= of a list endpoint (bound with [AsParameters]): page from 1, pageSize 1-100, 20 by default.</summary>
public sealed record PageRequest([FromQuery(Name = "page")] int? Page, [FromQuery(Name = "pageSize")] int? PageSize)
{
    public const int MaxSize = 100;
    public int Number => Page ?? 1;
    public int Size => PageSize ?? 20;

    /// <summary>A problem naming page or pageSize when one is out of range; null otherwise.</summary>
    public ValidationProblem? Problem() =>
        Number < 1 ? Problems.Invalid("page", "Must be at least 1.")
        : Size is < 1 or > MaxSize ? Problems.Invalid("pageSize", $"Must be between 1 and {MaxSize}.")
        : null;

    /// <summary>This page of an ordered query.</summary>
    public IQueryable<T> Of<T>(IQueryable<T> ordered) => ordered.Skip((Number - 1) * Size).Take(Size);
}
