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

public sealed record ModelAliasResponse(string Name, string Alias, int Version, Guid ModelId, DateTime UpdatedAt);

/// <summary>Moves an alias to a version of the named model.</summary>
/// <param name="Version">The version the alias should point at.</param>
public sealed record SetAliasRequest(int? Version);

public static class ModelAliasMapping
{
    public static ModelAliasResponse AsResponse(this ModelAlias alias) =>
        new(alias.Name, alias.Alias, alias.Version, alias.ModelId, alias.UpdatedAt);
}
