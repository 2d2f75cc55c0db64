namespace RnnService.Api.Registry;

/// <summary>How a request names a model: an id, "name" (its production alias if set, else its latest version),
/// "name@3" (a version) or "name@alias".</summary>
public sealed record ModelReference(Guid? Id, string? Name, int? Version, string? Alias)
{
    /// <summary>The alias a bare name resolves to when it is set.</summary>
    public const string DefaultAlias = "production";

    /// <summary>Null when the text cannot be a reference (empty, or an empty name or selector around '@').</summary>
    public static ModelReference? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Guid.TryParse(text, out var id)) return new ModelReference(id, null, null, null);
        var at = text.LastIndexOf('@');
        if (at < 0) return new ModelReference(null, text, null, null);
        var name = text[..at];
        var selector = text[(at + 1)..];
        if (name.Length == 0 || selector.Length == 0) return null;
        return int.TryParse(selector, System.Globalization.NumberStyles.None, null, out var version)
            ? new ModelReference(null, name, version, null)
            : new ModelReference(null, name, null, selector);
    }

    public override string ToString() =>
        Id?.ToString() ?? (Version is { } v ? $"{Name}@{v}" : Alias is { } a ? $"{Name}@{a}" : Name!);
}
