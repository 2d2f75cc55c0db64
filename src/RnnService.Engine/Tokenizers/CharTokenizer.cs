namespace RnnService.Engine.Tokenizers;

/// <summary>
/// Maps single UTF-16 characters to indices for the character language models.
/// Vocabulary shape: 0 = "&lt;pad&gt;", 1 = "&lt;unk&gt;", in line mode also 2 = "&lt;bos&gt;" and 3 = "&lt;eos&gt;",
/// then one entry per distinct character (a one-char string), sorted by ordinal.
/// </summary>
public sealed class CharTokenizer
{
    public const string PadToken = "<pad>";
    public const string UnknownToken = "<unk>";
    public const string BeginToken = "<bos>";
    public const string EndToken = "<eos>";

    private readonly string[] _vocabulary;
    private readonly Dictionary<char, int> _ids;

    /// <summary>
    /// Rebuilds a tokenizer from a saved vocabulary in index order; line mode is on when
    /// "&lt;bos&gt;" and "&lt;eos&gt;" sit at indices 2 and 3.
    /// </summary>
    public CharTokenizer(IReadOnlyList<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.Count < 2 || vocabulary[0] != PadToken || vocabulary[1] != UnknownToken)
            throw new ArgumentException($"The vocabulary must start with \"{PadToken}\" at index 0 and \"{UnknownToken}\" at index 1.", nameof(vocabulary));

        LineMode = vocabulary.Count >= 4 && vocabulary[2] == BeginToken && vocabulary[3] == EndToken;
        int firstCharIndex = LineMode ? 4 : 2;
        _vocabulary = vocabulary.ToArray();
        _ids = new Dictionary<char, int>(_vocabulary.Length);
        for (int i = firstCharIndex; i < _vocabulary.Length; i++)
        {
            string entry = _vocabulary[i];
            if (entry is null || entry.Length != 1)
                throw new ArgumentException($"Vocabulary entry {i} must be a single character (a misplaced special token or a multi-char entry).", nameof(vocabulary));
            if (!_ids.TryAdd(entry[0], i))
                throw new ArgumentException($"Vocabulary entry {i} (U+{(int)entry[0]:X4}) is a duplicate.", nameof(vocabulary));
        }
    }

    public IReadOnlyList<string> Vocabulary => _vocabulary;
    public int Count => _vocabulary.Length;
    /// <summary>True when samples are lines framed by <see cref="BeginId"/> and <see cref="EndId"/>.</summary>
    public bool LineMode { get; }
    public int PadId => 0;
    public int UnknownId => 1;
    /// <summary>Start-of-line id, or -1 when not in line mode.</summary>
    public int BeginId => LineMode ? 2 : -1;
    /// <summary>End-of-line id, or -1 when not in line mode.</summary>
    public int EndId => LineMode ? 3 : -1;

    /// <summary>
    /// Builds the vocabulary from a corpus. In line mode the characters come from <see cref="SplitLines"/>
    /// (line breaks and surrounding whitespace are replaced by the begin/end markers, so they are not symbols).
    /// </summary>
    public static CharTokenizer Build(string corpus, bool lineMode)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (corpus.Length == 0)
            throw new ArgumentException("The corpus is empty.", nameof(corpus));

        var distinct = new HashSet<char>();
        if (lineMode)
        {
            var lines = SplitLines(corpus);
            if (lines.Count == 0)
                throw new ArgumentException("The corpus has no non-empty lines.", nameof(corpus));
            foreach (string line in lines)
                distinct.UnionWith(line);
        }
        else
        {
            distinct.UnionWith(corpus);
        }

        var chars = distinct.Order().Select(c => c.ToString());
        string[] vocabulary = lineMode
            ? [PadToken, UnknownToken, BeginToken, EndToken, .. chars]
            : [PadToken, UnknownToken, .. chars];
        return new CharTokenizer(vocabulary);
    }

    /// <summary>Encodes one id per UTF-16 char, unknown chars as <see cref="UnknownId"/>. Adds no begin/end markers.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
            ids[i] = _ids.TryGetValue(text[i], out int id) ? id : UnknownId;
        return ids;
    }

    /// <summary>Decodes ids to text, skipping the special tokens.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        int length = 0;
        foreach (int id in ids)
        {
            ValidateId(id, nameof(ids));
            if (!IsSpecial(id))
                chars[length++] = _vocabulary[id][0];
        }
        return new string(chars, 0, length);
    }

    /// <summary>The vocabulary entry for an id: the character, or the special token's name.</summary>
    public string TokenText(int id)
    {
        ValidateId(id, nameof(id));
        return _vocabulary[id];
    }

    /// <summary>Splits a corpus into its non-empty lines, each trimmed (so "\r\n" endings are handled).</summary>
    public static IReadOnlyList<string> SplitLines(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return corpus.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>How many lines <see cref="SplitLines"/> gives, without making them (an upload's line count).</summary>
    public static int CountLines(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        int count = 0;
        foreach (var line in corpus.AsSpan().Split('\n'))
            if (!corpus.AsSpan()[line].IsWhiteSpace()) count++;
        return count;
    }

    private bool IsSpecial(int id) => id < (LineMode ? 4 : 2);

    private void ValidateId(int id, string paramName)
    {
        if ((uint)id >= (uint)_vocabulary.Length)
            throw new ArgumentOutOfRangeException(paramName, id, $"Token id must be in [0, {_vocabulary.Length}).");
    }
}
