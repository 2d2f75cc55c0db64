using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnService.Api.Infrastructure;

/// <summary>Reads a JSON string straight into the string's characters, for one long value (an upload's content).
/// System.Text.Json first unescapes a long value into a rented buffer as long as the value (a fresh 16 MB array for an
/// 8 MB upload, as the pool rounds up). The reader has already checked the escapes' syntax; the strict encoding refuses
/// invalid UTF-8 and an unpaired surrogate escape, as System.Text.Json does.</summary>
public sealed unsafe class UnescapingStringConverter : JsonConverter<string>
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException();
        if (reader.HasValueSequence) return reader.GetString()!; // a body in several pieces: not how uploads are read
        try
        {
            var escaped = reader.ValueSpan;
            if (!reader.ValueIsEscaped) return StrictUtf8.GetString(escaped);
            fixed (byte* source = escaped)
            {
                var text = string.Create(Unescape(escaped, [], write: false), ((nint)source, escaped.Length),
                    static (chars, s) => Unescape(new ReadOnlySpan<byte>((byte*)s.Item1, s.Item2), chars, write: true));
                StrictUtf8.GetByteCount(text); // throws on a \uD800 without its pair
                return text;
            }
        }
        catch (ArgumentException invalid) // DecoderFallbackException and EncoderFallbackException
        {
            throw new JsonException(null, new InvalidOperationException("The text is not valid UTF-8.", invalid));
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>The characters of <paramref name="escaped"/> (counted only, unless <paramref name="write"/>). Runs between
    /// escapes are transcoded whole: an escape is ASCII, so no character is split between two runs.</summary>
    private static int Unescape(ReadOnlySpan<byte> escaped, Span<char> chars, bool write)
    {
        var count = 0;
        while (true)
        {
            var slash = escaped.IndexOf((byte)'\\');
            var run = slash < 0 ? escaped : escaped[..slash];
            count += write ? StrictUtf8.GetChars(run, chars[count..]) : StrictUtf8.GetCharCount(run);
            if (slash < 0) return count;
            var (c, length) = escaped[slash + 1] switch
            {
                (byte)'n' => ('\n', 2),
                (byte)'r' => ('\r', 2),
                (byte)'t' => ('\t', 2),
                (byte)'b' => ('\b', 2),
                (byte)'f' => ('\f', 2),
                (byte)'u' => ((char)ushort.Parse(escaped.Slice(slash + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture), 6),
                var literal => ((char)literal, 2), // \" \\ \/
            };
            if (write) chars[count] = c;
            count++;
            escaped = escaped[(slash + length)..];
        }
    }
}
