using System.Text.Json;
using System.Text.Json.Serialization;
using RnnService.Engine.Serialization;

namespace RnnService.Api.Infrastructure;

/// <summary>One JSON shape for HTTP bodies, SSE events and the JSON columns: camelCase properties,
/// enums as lowercase strings (charlm, lstm, adam: the engine's <see cref="LowerCaseNamingPolicy"/>, as in model configs),
/// numbers strictly as numbers, unknown properties rejected.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new JsonStringEnumConverter(LowerCaseNamingPolicy.Instance, allowIntegerValues: false));
        return options;
    }

    /// <summary>An enum value as the API spells it in JSON (charlm, lstm, succeeded), for messages that name one.</summary>
    public static string EnumName<T>(T value) where T : struct, Enum => LowerCaseNamingPolicy.Instance.ConvertName(value.ToString());

    private sealed class LowercaseNamingPolicy : JsonNamingPolicy
    {
        public static readonly LowercaseNamingPolicy Instance = new();
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
