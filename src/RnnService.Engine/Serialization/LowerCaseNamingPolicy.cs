using System.Text.Json;

namespace RnnService.Engine.Serialization;

/// <summary>Enum names as lowercase words (CharLm → "charlm", Lstm → "lstm"), the wire format of configs and the API.</summary>
public sealed class LowerCaseNamingPolicy : JsonNamingPolicy
{
    public static readonly LowerCaseNamingPolicy Instance = new();
    public override string ConvertName(string name) => name.ToLowerInvariant();
}
