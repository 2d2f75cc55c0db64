using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RnnService.Engine.Serialization;

namespace RnnService.Api.Infrastructure;

/// <summary>One JSON shape for HTTP bodies, SSE events and the JSON columns: camelCase properties,
/// enums as lowercase strings (charlm, lstm, adam: the engine's <see cref="LowerCaseNamingPolicy"/>, as in model configs),
/// numbers strictly as numbers, unknown and repeated properties rejected, no NUL character in any string.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // {"model":"a","model":"b"} would otherwise mean "b" here and "a" to a proxy or log reader that keeps the first.
        options.AllowDuplicateProperties = false;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RejectNulCharacters);
        options.Converters.Add(new JsonStringEnumConverter(LowerCaseNamingPolicy.Instance, allowIntegerValues: false));
        return options;
    }

    /// <summary>An enum value as the API spells it in JSON (charlm, lstm, succeeded), for messages that name one.</summary>
    public static string EnumName<T>(T value) where T : struct, Enum => LowerCaseNamingPolicy.Instance.ConvertName(value.ToString());

    /// <summary>A NUL (\u0000) in a string property (or a list of strings) of a request object is refused after the object
    /// is read: PostgreSQL's text columns cannot hold it and no text here needs it. A type-info modifier rather than a
    /// string converter, which would hide every string's schema from the OpenAPI document.</summary>
    private static void RejectNulCharacters(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        var texts = info.Properties
            .Where(p => p.Get is not null && (p.PropertyType == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(p.PropertyType)))
            .Select(p => (p.Name, Get: p.Get!)).ToList();
        if (texts.Count == 0) return;
        var previous = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            foreach (var (name, get) in texts)
                if (get(value) is string text ? text.Contains('\0') : get(value) is IEnumerable<string> list && list.Any(t => t?.Contains('\0') == true))
                    throw new NulCharacterException(name);
            previous?.Invoke(value);
        };
    }

    /// <summary>Thrown while reading a request: <see cref="Property"/> (its JSON name, under the exception's path) holds a NUL.</summary>
    public sealed class NulCharacterException(string property) : JsonException("NUL characters (\\u0000) are not allowed in text.")
    {
        public string Property { get; } = property;
    }

    private sealed class LowercaseNamingPolicy : JsonNamingPolicy
    {
        public static readonly LowercaseNamingPolicy Instance = new();
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
