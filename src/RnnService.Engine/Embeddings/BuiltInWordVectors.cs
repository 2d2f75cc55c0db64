namespace RnnService.Engine.Embeddings;

/// <summary>
/// The pretrained word vectors embedded in the engine (provenance in README.md): "glove-6b-100d", GloVe 6B (Wikipedia
/// 2014 + Gigaword 5) in 100 dimensions, its first 100,000 words most frequent first that the word tokenizer can produce.
/// A name is a contract: stored models read rows by index, so a different table gets a new name (a test pins the file's hash).
/// </summary>
public static class BuiltInWordVectors
{
    public const string Glove6B100d = "glove-6b-100d";
    private const string Resource = "RnnService.Engine.Embeddings.glove-6b-100d.bin";
    /// <summary>SHA-256 of the embedded glove-6b-100d.bin.</summary>
    public const string Glove6B100dSha256 = "a8f063b1a0065103ac76b71ff5f07087db01c72a83226b322f36b8a9f4a05588";

    private static readonly Lazy<WordVectors> Glove = new(() =>
    {
        using var stream = OpenResource(Glove6B100d);
        return WordVectors.Read(Glove6B100d, stream);
    });

    public static IReadOnlyList<string> Names { get; } = [Glove6B100d];

    public static bool Exists(string? name) => name == Glove6B100d;

    /// <summary>A table's width, known without loading it.</summary>
    public static int DimensionsOf(string name)
    {
        RequireKnown(name);
        return 100;
    }

    /// <summary>Loads (once per process, about 10 MB) a built-in table by name.</summary>
    public static WordVectors Load(string name)
    {
        RequireKnown(name);
        return Glove.Value;
    }

    /// <summary>The embedded file of a table, as stored (gzipped).</summary>
    internal static Stream OpenResource(string name)
    {
        RequireKnown(name);
        return typeof(BuiltInWordVectors).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The engine was built without {Resource}.");
    }

    private static void RequireKnown(string name)
    {
        if (!Exists(name))
            throw new ArgumentException($"Unknown pretrained embeddings \"{name}\"; known: {string.Join(", ", Names)}.", nameof(name));
    }
}
