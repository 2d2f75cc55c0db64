using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;

namespace RnnService.Api.Registry;

/// <summary>Turns a model reference into a model id, the same way for every endpoint (/predict, /generate,
/// /models/..., initFrom). An id is taken as it is (the endpoint answers 404 when no such model exists); a name
/// is looked up: unknown names, versions and aliases are 404 ProblemDetails naming the field.</summary>
public static class ModelResolver
{
    /// <summary>A request body's <c>modelId</c> (an id) or <c>model</c> (any reference); exactly one of them.</summary>
    public static Task<ModelLookup> ResolveAsync(RnnDbContext db, Guid? modelId, string? model, CancellationToken ct)
    {
        if (modelId is { } id && model is not null)
            return Task.FromResult(ModelLookup.Failed(Problems.InvalidField("model", "Give model or modelId, not both.")));
        if (modelId is { } given) return Task.FromResult(ModelLookup.Found(given));
        if (model is null)
            return Task.FromResult(ModelLookup.Failed(Problems.InvalidField("modelId", "Required: modelId (an id) or model (an id, name, name@version or name@alias).")));
        return ResolveAsync(db, model, "model", ct);
    }

    /// <summary>The field a request named its model by, for the errors about that model: model when given, else modelId.</summary>
    public static string FieldOf(string? model) => model is null ? "modelId" : "model";

    /// <summary>Resolves <paramref name="reference"/>; <paramref name="field"/> is what errors name.</summary>
    public static async Task<ModelLookup> ResolveAsync(RnnDbContext db, string? reference, string field, CancellationToken ct)
    {
        if (ModelReference.Parse(reference) is not { } parsed)
            return ModelLookup.Failed(Problems.InvalidField(field, "Not a model reference: give an id, name, name@version or name@alias."));
        if (parsed.Id is { } id) return ModelLookup.Found(id);
        var name = parsed.Name!;
        var versions = db.Models.AsNoTracking().Where(m => m.Name == name && m.Version != null);
        Guid? found;
        if (parsed.Version is { } version)
            found = await versions.Where(m => m.Version == version).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
        else if (parsed.Alias is { } alias)
            found = await AliasTargetAsync(db, name, alias, ct);
        else
            found = await AliasTargetAsync(db, name, ModelReference.DefaultAlias, ct)
                ?? await versions.OrderByDescending(m => m.Version).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
        if (found is { } model) return ModelLookup.Found(model);

        var latest = await versions.MaxAsync(m => m.Version, ct);
        if (latest is null) return ModelLookup.Failed(Problems.NotFound(field, $"No model named '{name}'."));
        return ModelLookup.Failed(parsed.Version is { } v
            ? Problems.NotFound(field, $"'{name}' has no version {v} (its latest is {latest}).")
            : Problems.NotFound(field, $"'{name}' has no alias '{parsed.Alias}'."));
    }

    private static Task<Guid?> AliasTargetAsync(RnnDbContext db, string name, string alias, CancellationToken ct) =>
        db.ModelAliases.AsNoTracking().Where(a => a.Name == name && a.Alias == alias).Select(a => (Guid?)a.ModelId).FirstOrDefaultAsync(ct);
}
