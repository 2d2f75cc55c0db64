using System.Text;
using RnnService.Engine.Embeddings;

namespace RnnService.Engine.Tokenizers;

/// <summary>
/// Maps lowercase words to indices for the sentiment models.
/// Vocabulary shape: index 0 = "&lt;pad&gt;", 1 = "&lt;unk&gt;", then words by descending corpus frequency
/// (ties in order of first appearance). Encoded sequences are int[] of at most maxSequenceLength ids.
/// With <see cref="Pretrained"/> vectors, a word outside the vocabulary that the table has gets id
/// Count + its table row (the embedding reads those rows from the shared table), and only words neither
/// has become &lt;unk&gt;.
/// </summary>
public sealed class WordTokenizer
{
    public const string PadToken = "<pad>";
    public const string UnknownToken = "<unk>";

    private readonly string[] _vocabulary;
    private readonly Dictionary<string, int> _ids;

    /// <summary>Rebuilds a tokenizer from a saved vocabulary, entries in index order.</summary>
    /// <param name="pretrained">The model's pretrained embeddings, read for words outside the vocabulary; null: none.</param>
    public WordTokenizer(IReadOnlyList<string> vocabulary, WordVectors? pretrained = null)
    {
        Pretrained = pretrained;
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.Count < 2 || vocabulary[0] != PadToken || vocabulary[1] != UnknownToken)
            throw new ArgumentException($"The vocabulary must start with \"{PadToken}\" at index 0 and \"{UnknownToken}\" at index 1.", nameof(vocabulary));

        _vocabulary = vocabulary.ToArray();
        _ids = new Dictionary<string, int>(_vocabulary.Length, StringComparer.Ordinal);
        for (int i = 0; i < _vocabulary.Length; i++)
        {
            string word = _vocabulary[i];
            if (string.IsNullOrEmpty(word))
                throw new ArgumentException($"Vocabulary entry {i} is empty.", nameof(vocabulary));
            if (!_ids.TryAdd(word, i))
                throw new ArgumentException($"Vocabulary entry {i} (\"{word}\") is a duplicate.", nameof(vocabulary));
        }
    }

    public IReadOnlyList<string> Vocabulary => _vocabulary;
    public int Count => _vocabulary.Length;
    public int PadId => 0;
    public int UnknownId => 1;
    public WordVectors? Pretrained { get; }

    /// <summary>
    /// Builds the vocabulary from a corpus: the specials plus the most frequent words,
    /// at most <paramref name="maxVocabulary"/> entries in total.
    /// </summary>
    public static WordTokenizer Build(IEnumerable<string> texts, int maxVocabulary = 20000, WordVectors? pretrained = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVocabulary, 3);

        // Dictionary insertion order is not guaranteed after removals, so first appearance is kept explicitly.
        var counts = new Dictionary<string, (int Count, int FirstSeen)>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            if (text is null)
                throw new ArgumentException("The corpus contains a null text.", nameof(texts));
            foreach (string word in SplitWords(text))
                counts[word] = counts.TryGetValue(word, out var entry)
                    ? (entry.Count + 1, entry.FirstSeen)
                    : (1, counts.Count);
        }

        var words = counts
            .OrderByDescending(pair => pair.Value.Count)
            .ThenBy(pair => pair.Value.FirstSeen)
            .Select(pair => pair.Key)
            .Take(maxVocabulary - 2);
        return new WordTokenizer([PadToken, UnknownToken, .. words], pretrained);
    }

    /// <summary>
    /// Lowercases and splits a text into words: runs of letters and digits, with an apostrophe kept
    /// when it sits between two word characters (don't, wish'd). Everything else separates words.
    /// </summary>
    public static IReadOnlyList<string> SplitWords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (IsApostrophe(c) && current.Length > 0 && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
            {
                current.Append('\'');   // typographic apostrophes are folded so "don’t" and "don't" agree
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
        if (current.Length > 0)
            words.Add(current.ToString());
        return words;
    }

    /// <summary>Encodes the first <paramref name="maxSequenceLength"/> words; unknown words become <see cref="UnknownId"/>.</summary>
    public int[] Encode(string text, int maxSequenceLength) => EncodeWords(text, maxSequenceLength, unknownWords: null);

    /// <summary>
    /// As <see cref="Encode(string, int)"/>, and appends to <paramref name="unknownWords"/> each encoded word
    /// (within the truncated length) that mapped to <see cref="UnknownId"/>.
    /// </summary>
    public int[] Encode(string text, int maxSequenceLength, List<string> unknownWords)
    {
        ArgumentNullException.ThrowIfNull(unknownWords);
        return EncodeWords(text, maxSequenceLength, unknownWords);
    }

    private int[] EncodeWords(string text, int maxSequenceLength, List<string>? unknownWords)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSequenceLength);

        var words = SplitWords(text);
        var ids = new int[Math.Min(words.Count, maxSequenceLength)];
        for (int i = 0; i < ids.Length; i++)
        {
            if (_ids.TryGetValue(words[i], out int id) && id > UnknownId)
            {
                ids[i] = id;
            }
            else if (Pretrained?.RowOf(words[i]) is >= 0 and int row)
            {
                ids[i] = Count + row;
            }
            else
            {
                ids[i] = UnknownId;
                unknownWords?.Add(words[i]);
            }
        }
        return ids;
    }

    private static bool IsApostrophe(char c) => c is '\'' or '\u2019';
}
