using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Registry;

/// <summary>Named models: aliases that point at a version, and the history of versions and alias moves.</summary>
public static class ModelRegistryApi
{
    public static RouteGroupBuilder MapModelRegistry(this RouteGroupBuilder group)
    {
        group.MapPut("/{name}/aliases/{alias}", SetAliasAsync)
            .WithName("SetModelAlias")
            .WithSummary("Point an alias of a named model at one of its versions (body {version})")
            .WithDescription("Creates or moves the alias; the move is kept in GET /models/{name}/history. A bare name resolves to its " +
                "'production' alias when set. 404 naming name or version when either is unknown.")
            .ProducesValidationProblem();

        group.MapDelete("/{name}/aliases/{alias}", DeleteAliasAsync)
            .WithName("DeleteModelAlias")
            .WithSummary("Remove an alias of a named model")
            .ProducesValidationProblem();

        group.MapGet("/{name}/history", HistoryAsync)
            .WithName("GetModelHistory")
            .WithSummary("A named model's versions, its aliases, and every alias change with its time")
            .ProducesValidationProblem();

        return group;
    }

    private static async Task<Results<Ok<ModelAliasResponse>, ProblemHttpResult>> SetAliasAsync(
        string name, string alias, SetAliasRequest request, RnnDbContext db, CancellationToken ct)
    {
        if (ModelNames.CheckAlias(alias) is { } badAlias) return Problems.InvalidField("alias", badAlias);
        if (request.Version is not { } version) return Problems.InvalidField("version", "Required: the version the alias should point at.");
        for (var attempt = 0; ; attempt++)
        {
            var target = await db.Models.AsNoTracking().Where(m => m.Name == name && m.Version == version)
                .Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
            if (target is not { } modelId)
                return await db.Models.AnyAsync(m => m.Name == name && m.Version != null, ct)
                    ? Problems.NotFound("version", $"'{name}' has no version {version}.")
                    : Problems.NotFound("name", $"No model named '{name}'.");
            var now = DateTime.UtcNow;
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await RegistryWrites.MoveAliasAsync(db, name, alias, version, modelId, now, ct);
                await transaction.CommitAsync(ct);
                return TypedResults.Ok(new ModelAliasResponse(name, alias, version, modelId, now));
            }
            catch (Exception ex) when (ex is DbUpdateException or DbException && attempt < 2)
            {
                // Another request made the alias first, or the version was just deleted: look again.
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAliasAsync(string name, string alias, RnnDbContext db, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var deleted = await db.ModelAliases.Where(a => a.Name == name && a.Alias == alias).ExecuteDeleteAsync(ct);
        if (deleted == 0)
            return await db.Models.AnyAsync(m => m.Name == name && m.Version != null, ct)
                ? Problems.NotFound("alias", $"'{name}' has no alias '{alias}'.")
                : Problems.NotFound("name", $"No model named '{name}'.");
        db.ModelAliasChanges.Add(new ModelAliasChange { Name = name, Alias = alias, At = DateTime.UtcNow });
        await db.SaveChangesAsync(ct);
        await WebhookOutbox.AliasDeletedAsync(db, name, alias, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ModelHistoryResponse>, ProblemHttpResult>> HistoryAsync(string name, RnnDbContext db, CancellationToken ct)
    {
        var versions = await db.Models.AsNoTracking().Where(m => m.Name == name && m.Version != null).OrderBy(m => m.Version)
            .Select(m => new ModelVersionResponse(m.Version!.Value, m.Id, m.JobId, m.Dataset, m.CreatedAt, m.ParentModelId)).ToListAsync(ct);
        var changes = await db.ModelAliasChanges.AsNoTracking().Where(c => c.Name == name).OrderBy(c => c.Id)
            .Select(c => new ModelAliasChangeResponse(c.Alias, c.Version, c.ModelId, c.At)).ToListAsync(ct);
        if (versions.Count == 0 && changes.Count == 0) return Problems.NotFound("name", $"No model named '{name}'.");
        var aliases = await db.ModelAliases.AsNoTracking().Where(a => a.Name == name).OrderBy(a => a.Alias).ToListAsync(ct);
        return TypedResults.Ok(new ModelHistoryResponse(name, versions, aliases.Select(a => a.AsResponse()).ToList(), changes));
    }
}
