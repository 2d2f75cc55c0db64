using System.IO.Compression;
using System.Text;

namespace RnnService.Engine.Embeddings;

/// <summary>
/// A read-only table of pretrained word vectors (for example GloVe): rows in the order of the source's word
/// frequencies, each kept as int8 with its own scale (a quarter of float32's memory; the rounding is below 0.4 %
/// of a row's largest value). File format: see make_glove_table.py.
/// </summary>
public sealed class WordVectors
{
    private static readonly string[] Clitics = ["'s", "'d", "'ll", "'re", "'ve", "'m"];
    private readonly string[] _words;
    private readonly Dictionary<string, int> _rows;
    private readonly float[] _scales;
    private readonly sbyte[] _values;

    private WordVectors(string name, string[] words, int dimensions, float[] scales, sbyte[] values)
    {
        Name = name;
        Dimensions = dimensions;
        _words = words;
        _scales = scales;
        _values = values;
        _rows = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) _rows.TryAdd(words[i], i);
    }

    public string Name { get; }
    public int Dimensions { get; }
    public int Count => _words.Length;
    /// <summary>Words in row order, most frequent first.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>
    /// The row of a lowercase word as <see cref="Tokenizers.WordTokenizer"/> splits it, or -1. A word the table
    /// lacks that ends in a clitic ('s 'd 'll 're 've 'm: "director's", "we'll") reads as the word before it,
    /// since GloVe's tokenizer split those off.
    /// </summary>
    public int RowOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (_rows.TryGetValue(word, out int row)) return row;
        foreach (string clitic in Clitics)
            if (word.Length > clitic.Length && word.EndsWith(clitic, StringComparison.Ordinal)
                && _rows.TryGetValue(word[..^clitic.Length], out row))
                return row;
        return -1;
    }

    /// <summary>Writes row <paramref name="row"/> as floats into <paramref name="destination"/> (Dimensions long).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)_words.Length) throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside 0..{_words.Length - 1}.");
        float scale = _scales[row];
        var values = _values.AsSpan(row * Dimensions, Dimensions);
        for (int i = 0; i < values.Length; i++) destination[i] = values[i] * scale;
    }

    /// <summary>The rows as stored, row-major [Count, Dimensions]: row r reads as QuantizedValues[r] · Scales[r].</summary>
    public ReadOnlySpan<sbyte> QuantizedValues => _values;
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>Reads a gzipped table ("RNNWV1" format); InvalidDataException when it is malformed.</summary>
    public static WordVectors Read(string name, Stream gzipped)
    {
        using var stream = new GZipStream(gzipped, CompressionMode.Decompress);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (Encoding.ASCII.GetString(reader.ReadBytes(6)) != "RNNWV1") throw new InvalidDataException("Not a word-vector table.");
        int rows = reader.ReadInt32(), dimensions = reader.ReadInt32(), wordBytes = reader.ReadInt32();
        if (rows <= 0 || dimensions <= 0 || wordBytes <= 0) throw new InvalidDataException("Bad word-vector table header.");
        var words = Encoding.UTF8.GetString(reader.ReadBytes(wordBytes)).Split('\n');
        if (words.Length != rows) throw new InvalidDataException($"The table names {words.Length} words for {rows} rows.");
        var scales = new float[rows];
        for (int i = 0; i < rows; i++) scales[i] = reader.ReadSingle();
        var bytes = reader.ReadBytes(rows * dimensions);
        if (bytes.Length != rows * dimensions) throw new InvalidDataException("The word-vector table is truncated.");
        var values = new sbyte[bytes.Length];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return new WordVectors(name, words, dimensions, scales, values);
    }
}
