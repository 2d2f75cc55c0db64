using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Security;

/// <summary>API keys, bound from the "Auth" section. With none set the service is open; with any set, every request
/// but /health and the dashboard's files needs one (<see cref="ApiKeyAuthorizationHandler"/>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    /// <summary>The name <see cref="ApiKey"/> goes by in the log.</summary>
    public const string SingleKeyName = "default";

    /// <summary>One key, named "default".</summary>
    public string? ApiKey { get; set; }

    /// <summary>Named keys (Auth:Keys:{name}); several at once let a key be rotated without downtime: add the new one,
    /// move the clients over, remove the old one. The log names the key each write came with.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>With keys set, GET and HEAD requests and the inference endpoints still answer without one.</summary>
    public bool PublicReads { get; set; }

    /// <summary>Every configured key with its name; an empty Auth:ApiKey counts as unset.</summary>
    public IEnumerable<(string Name, string Key)> AllKeys()
    {
        if (!string.IsNullOrEmpty(ApiKey)) yield return (SingleKeyName, ApiKey);
        foreach (var (name, key) in Keys) yield return (name, key);
    }

    public bool KeysConfigured => AllKeys().Any();

    /// <summary>The name of the key <paramref name="given"/> matches, or null. Every key is compared, each in constant time
    /// over SHA-256 hashes (equal lengths), so neither which key matched nor a key's length shows in the timing.</summary>
    public string? NameOf(string given)
    {
        var givenHash = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        string? match = null;
        foreach (var (name, key) in AllKeys())
            if (CryptographicOperations.FixedTimeEquals(givenHash, SHA256.HashData(Encoding.UTF8.GetBytes(key))))
                match ??= name;
        return match;
    }
}

/// <summary>Checked at start (ValidateOnStart): a key the header could not carry, a blank named key, or one key under two
/// names stops the service with a message naming the setting, rather than leaving it open or the log ambiguous.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        foreach (var (keyName, key) in options.Keys)
            if (string.IsNullOrEmpty(key)) errors.Add($"Auth:Keys:{keyName} is empty; give it a key or remove it.");
        if (!string.IsNullOrEmpty(options.ApiKey) && options.Keys.ContainsKey(AuthOptions.SingleKeyName))
            errors.Add($"Auth:ApiKey and Auth:Keys:{AuthOptions.SingleKeyName} are both set; Auth:ApiKey is the key named '{AuthOptions.SingleKeyName}'.");
        foreach (var (keyName, key) in options.AllKeys().Where(k => k.Key.Length > 0))
        {
            var setting = keyName == AuthOptions.SingleKeyName && key == options.ApiKey ? "Auth:ApiKey" : $"Auth:Keys:{keyName}";
            if (key.Trim() != key || key.Any(c => c < 0x21 || c > 0x7e))
                errors.Add($"{setting} must be printable ASCII without spaces (it travels in an HTTP header).");
        }
        foreach (var shared in options.AllKeys().Where(k => k.Key.Length > 0).GroupBy(k => k.Key).Where(g => g.Count() > 1))
            errors.Add($"The keys named {string.Join(" and ", shared.Select(k => k.Name))} are the same; give each its own so the log can tell them apart.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
