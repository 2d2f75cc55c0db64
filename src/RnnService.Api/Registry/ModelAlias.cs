using System.ComponentModel.DataAnnotations;

namespace RnnService.Api.Registry;

/// <summary>A movable label ("production", "champion") on one version of a named model. The model cannot be
/// deleted while an alias points at it.</summary>
public sealed class ModelAlias
{
    public required string Name { get; set; }
    public required string Alias { get; set; }
    public Guid ModelId { get; set; }
    public int Version { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Where an alias of a named model points now.</summary>
/// <example>{"name": "names", "alias": "production", "version": 2, "modelId": "3f2b8c1e-5d4a-4e7b-9c2d-1a6f0e8b7c45",
/// "updatedAt": "2026-12-05T07:00:00Z"}</example>
public sealed record ModelAliasResponse(string Name, string Alias, int Version, Guid ModelId, DateTime UpdatedAt);

/// <summary>Moves an alias to a version of the named model.</summary>
/// <example>{"version": 1}</example>
/// <param name="Version">The version the alias should point at.</param>
public sealed record SetAliasRequest([property: Required] int? Version);

public static class ModelAliasMapping
{
    public static ModelAliasResponse AsResponse(this ModelAlias alias) =>
        new(alias.Name, alias.Alias, alias.Version, alias.ModelId, alias.UpdatedAt);
}
