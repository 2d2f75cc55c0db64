using System.Buffers.Binary;

namespace RnnService.Engine.Sampling;

/// <summary>
/// The lines a line-mode char model trained on, kept as sorted 64-bit FNV-1a hashes of their UTF-16 text
/// (8 bytes a line), so generation can refuse to return a training line. Two different lines share a hash
/// with odds of about n²/2⁶⁵: for 100 000 lines one in 3.7 million.
/// </summary>
public sealed class TrainingLineSet
{
    /// <summary>The safetensors metadata key the set is stored under (base64 of little-endian hashes).</summary>
    public const string MetadataKey = "trainingLines";

    private readonly ulong[] _hashes;

    private TrainingLineSet(ulong[] sortedDistinct) => _hashes = sortedDistinct;

    public int Count => _hashes.Length;

    public static TrainingLineSet FromLines(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return new TrainingLineSet(lines.Select(Hash).Distinct().Order().ToArray());
    }

    public bool Contains(string line) => Array.BinarySearch(_hashes, Hash(line)) >= 0;

    public string ToBase64()
    {
        var bytes = new byte[_hashes.Length * 8];
        for (int i = 0; i < _hashes.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), _hashes[i]);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Throws InvalidDataException unless the text is base64 of whole, sorted, distinct hashes.</summary>
    public static TrainingLineSet FromBase64(string text)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException e) { throw new InvalidDataException($"\"{MetadataKey}\" is not base64.", e); }
        if (bytes.Length % 8 != 0) throw new InvalidDataException($"\"{MetadataKey}\" is not a whole number of 64-bit hashes.");
        var hashes = new ulong[bytes.Length / 8];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
            if (i > 0 && hashes[i] <= hashes[i - 1]) throw new InvalidDataException($"\"{MetadataKey}\" is not sorted.");
        }
        return new TrainingLineSet(hashes);
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and versions, unlike string.GetHashCode.</summary>
    private static ulong Hash(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        ulong hash = 14695981039346656037UL;
        foreach (char c in line)
        {
            hash = (hash ^ (byte)c) * 1099511628211UL;
            hash = (hash ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return hash;
    }
}
