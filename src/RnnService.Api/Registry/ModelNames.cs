using System.Globalization;

namespace RnnService.Api.Registry;

/// <summary>What a model name and an alias may look like, so that both fit in a URL segment and a reference
/// ("name@alias") reads one way only.</summary>
public static class ModelNames
{
    /// <summary>Null when <paramref name="name"/> can name a model; otherwise why not.</summary>
    public static string? CheckName(string name)
    {
        if (name.Length > 200) return "At most 200 characters.";
        if (string.IsNullOrWhiteSpace(name) || name.Trim() != name) return "Must not be blank or start or end with a space.";
        if (name.All(c => c == '.')) return "Must not be only dots ('.' and '..' mean a folder in a URL).";
        // Cc and Cf: a right-to-left override or a zero-width space would make two different names look the same.
        if (name.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format || c is '@' or '/' or '\\' or '?' or '#' or '%'))
            return "Must not contain '@', '/', '\\', '?', '#', '%', control characters or invisible format characters " +
                "(Unicode Cc, Cf: right-to-left overrides, zero-width spaces); '@' separates a version or alias in a model reference.";
        if (Guid.TryParse(name, out _)) return "Must not be a GUID (a GUID reference means a model id).";
        return null;
    }

    /// <summary>Null when <paramref name="alias"/> is a valid alias: a letter, then letters, digits, '-' or '_'
    /// (never all digits, which would read as a version).</summary>
    public static string? CheckAlias(string alias) =>
        alias.Length is >= 1 and <= 64 && char.IsAsciiLetter(alias[0]) && alias.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? null
            : "An alias is 1-64 characters: a letter, then letters, digits, '-' or '_'.";
}
