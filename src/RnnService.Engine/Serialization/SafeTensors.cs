using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnService.Engine.Serialization;

/// <summary>
/// Reads and writes the safetensors format (F32 tensors only):
/// [8-byte little-endian header length N][N bytes of UTF-8 JSON header, space-padded to a multiple of 8][data].
/// The header maps each tensor name to {"dtype":"F32","shape":[..],"data_offsets":[begin,end]}, offsets relative
/// to the data section, plus an optional "__metadata__" object of string to string.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const string Float32 = "F32";
    // Same cap as the reference implementation, so a corrupt length prefix cannot demand a huge allocation.
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>A named tensor: <see cref="Data"/> is row-major with product(<see cref="Shape"/>) elements.</summary>
    public sealed record Tensor(string Name, int[] Shape, float[] Data);

    /// <summary>Serializes the tensors, laid out contiguously in the given order.</summary>
    public static byte[] Write(IReadOnlyList<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ValidateForWrite(tensors, metadata);

        byte[] header = WriteHeader(tensors, metadata);
        int padding = (8 - header.Length % 8) % 8;
        long headerLength = header.Length + padding;
        long dataLength = tensors.Sum(t => (long)t.Data.Length * sizeof(float));
        long fileLength = 8 + headerLength + dataLength;
        if (fileLength > Array.MaxLength)
            throw new ArgumentException($"The file would be {fileLength} bytes, more than a byte array can hold.", nameof(tensors));

        var file = new byte[fileLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerLength);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padding).Fill((byte)' ');

        var data = file.AsSpan((int)(8 + headerLength));
        foreach (var tensor in tensors)
        {
            var target = data[..(tensor.Data.Length * sizeof(float))];
            if (BitConverter.IsLittleEndian)
                MemoryMarshal.AsBytes(tensor.Data.AsSpan()).CopyTo(target);
            else
                for (int i = 0; i < tensor.Data.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(target[(i * sizeof(float))..], tensor.Data[i]);
            data = data[target.Length..];
        }
        return file;
    }

    /// <summary>Parses a safetensors file; tensors come back in data order, metadata empty when absent.</summary>
    public static (IReadOnlyList<Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
            throw new InvalidDataException($"Not a safetensors file: {file.Length} bytes, fewer than the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8))
            throw new InvalidDataException($"Header length {headerLength} runs past the end of the {file.Length}-byte file.");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"Header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit.");

        var headerBytes = file.Slice(8, (int)headerLength);
        var data = file[(8 + (int)headerLength)..];
        var (headerEntries, metadata) = ParseHeader(headerBytes);
        var entries = OrderAndValidateLayout(headerEntries, data.Length);

        var tensors = new Tensor[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var bytes = data[(int)entry.Begin..(int)entry.End];
            var values = new float[bytes.Length / sizeof(float)];
            if (BitConverter.IsLittleEndian)
                bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            else
                for (int j = 0; j < values.Length; j++)
                    values[j] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(j * sizeof(float))..]);
            tensors[i] = new Tensor(entry.Name, entry.Shape, values);
        }
        return (tensors, metadata);
    }

    private sealed record HeaderEntry(string Name, int[] Shape, long Begin, long End);

    private static void ValidateForWrite(IReadOnlyList<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (tensor is null || tensor.Name is null || tensor.Shape is null || tensor.Data is null)
                throw new ArgumentException("A tensor, or its name, shape or data, is null.", nameof(tensors));
            if (tensor.Name.Length == 0 || tensor.Name == MetadataKey)
                throw new ArgumentException($"Tensor name \"{tensor.Name}\" is not allowed.", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"Tensor name \"{tensor.Name}\" appears twice.", nameof(tensors));
            long elements = 1;
            foreach (int dimension in tensor.Shape)
            {
                if (dimension < 0)
                    throw new ArgumentException($"Tensor \"{tensor.Name}\" has a negative dimension.", nameof(tensors));
                elements *= dimension;
                if (elements > Array.MaxLength)
                    throw new ArgumentException($"Tensor \"{tensor.Name}\" is too large.", nameof(tensors));
            }
            if (elements != tensor.Data.Length)
                throw new ArgumentException(
                    $"Tensor \"{tensor.Name}\" has shape [{string.Join(',', tensor.Shape)}] ({elements} elements) but {tensor.Data.Length} values.",
                    nameof(tensors));
        }
        if (metadata is not null && metadata.Any(pair => pair.Key is null || pair.Value is null))
            throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
    }

    private static byte[] WriteHeader(IReadOnlyList<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps non-ASCII names readable, closer to what the reference (serde_json) writes.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in tensors)
            {
                long end = offset + (long)tensor.Data.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", Float32);
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                    json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static (List<HeaderEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> header)
    {
        var entries = new List<HeaderEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            // Parse rejects anything after the object except whitespace, which covers the space padding.
            using var document = JsonDocument.Parse(header.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException("The header is not a JSON object.");

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new InvalidDataException($"The header names \"{property.Name}\" twice.");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata);
                else
                    entries.Add(ReadEntry(property.Name, property.Value));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header is not valid JSON: {e.Message}", e);
        }
        return (entries, metadata);
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"\"{MetadataKey}\" must be an object of strings.");
        foreach (var pair in element.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"Metadata value for \"{pair.Name}\" must be a string.");
            if (!metadata.TryAdd(pair.Name, pair.Value.GetString()!))
                throw new InvalidDataException($"Metadata key \"{pair.Name}\" appears twice.");
        }
    }

    private static HeaderEntry ReadEntry(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"Tensor \"{name}\": entry must be an object.");
        if (!element.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"Tensor \"{name}\": missing string \"dtype\".");
        if (dtype.GetString() != Float32)
            throw new InvalidDataException($"Tensor \"{name}\": dtype {dtype.GetString()} is not supported (only {Float32}).");

        long[] shape = ReadIntegers(name, element, "shape", length: null);
        long[] offsets = ReadIntegers(name, element, "data_offsets", length: 2);
        if (offsets[0] > offsets[1])
            throw new InvalidDataException($"Tensor \"{name}\": data_offsets [{offsets[0]},{offsets[1]}] are reversed.");

        long elements = 1;
        foreach (long dimension in shape)
        {
            if (dimension > int.MaxValue)
                throw new InvalidDataException($"Tensor \"{name}\": dimension {dimension} is too large.");
            elements *= dimension;
            if (elements > Array.MaxLength)
                throw new InvalidDataException($"Tensor \"{name}\": shape has too many elements.");
        }
        if (elements * sizeof(float) != offsets[1] - offsets[0])
            throw new InvalidDataException(
                $"Tensor \"{name}\": shape [{string.Join(',', shape)}] needs {elements * sizeof(float)} bytes but data_offsets span {offsets[1] - offsets[0]}.");

        return new HeaderEntry(name, shape.Select(d => (int)d).ToArray(), offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string name, JsonElement entry, string field, int? length)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"Tensor \"{name}\": missing array \"{field}\".");
        if (length is { } expected && array.GetArrayLength() != expected)
            throw new InvalidDataException($"Tensor \"{name}\": \"{field}\" must have {expected} entries.");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
                throw new InvalidDataException($"Tensor \"{name}\": \"{field}\" must hold non-negative integers.");
            values[i++] = value;
        }
        return values;
    }

    // The reference implementation requires the tensors to tile the data section exactly: no gaps, no overlap.
    private static List<HeaderEntry> OrderAndValidateLayout(List<HeaderEntry> entries, int dataLength)
    {
        // Stable sort: zero-sized tensors sharing an offset keep their header order.
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expectedBegin = 0;
        foreach (var entry in ordered)
        {
            if (entry.End > dataLength)
                throw new InvalidDataException($"Tensor \"{entry.Name}\": data_offsets end {entry.End} is past the {dataLength}-byte data section.");
            if (entry.Begin < expectedBegin)
                throw new InvalidDataException($"Tensor \"{entry.Name}\": data_offsets [{entry.Begin},{entry.End}] overlap the previous tensor.");
            if (entry.Begin > expectedBegin)
                throw new InvalidDataException($"Tensor \"{entry.Name}\": data_offsets begin {entry.Begin} leaves a gap after byte {expectedBegin}.");
            expectedBegin = entry.End;
        }
        if (expectedBegin != dataLength)
            throw new InvalidDataException($"The tensors cover {expectedBegin} bytes but the data section holds {dataLength}.");
        return ordered;
    }
}
