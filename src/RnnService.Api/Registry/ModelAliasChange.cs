namespace RnnService.Api.Registry;

/// <summary>One move of an alias, kept for the model's history: the version it points at from then on, or null
/// when the alias was removed.</summary>
public sealed class ModelAliasChange
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Alias { get; set; }
    public int? Version { get; set; }
    public Guid? ModelId { get; set; }
    public DateTime At { get; set; }
}

/// <summary>version and modelId are null when the alias was removed.</summary>
public sealed record ModelAliasChangeResponse(string Alias, int? Version, Guid? ModelId, DateTime At);

/// <summary>A version of a named model.</summary>
public sealed record ModelVersionResponse(int Version, Guid ModelId, Guid JobId, string Dataset, DateTime CreatedAt, Guid? ParentModelId);

/// <summary>A named model's versions (oldest first), its aliases now, and every alias change (oldest first).</summary>
public sealed record ModelHistoryResponse(string Name, IReadOnlyList<ModelVersionResponse> Versions,
    IReadOnlyList<ModelAliasResponse> Aliases, IReadOnlyList<ModelAliasChangeResponse> AliasChanges);
