namespace RnnService.Engine.Embeddings;

/// <summary>
/// The pretrained word vectors embedded in the engine (provenance in README.md): "glove-6b-100d", the 100,000 most
/// frequent words of GloVe 6B (Wikipedia 2014 + Gigaword 5) in 100 dimensions.
/// </summary>
public static class BuiltInWordVectors
{
    public const string Glove6B100d = "glove-6b-100d";
    private const string Resource = "RnnService.Engine.Embeddings.glove-6b-100d.bin";

    private static readonly Lazy<WordVectors> Glove = new(() =>
    {
        using var stream = typeof(BuiltInWordVectors).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The engine was built without {Resource}.");
        return WordVectors.Read(Glove6B100d, stream);
    });

    public static IReadOnlyList<string> Names { get; } = [Glove6B100d];

    public static bool Exists(string? name) => name == Glove6B100d;

    /// <summary>A table's width, known without loading it.</summary>
    public static int DimensionsOf(string name) => name == Glove6B100d ? 100
        : throw new ArgumentException($"Unknown pretrained embeddings \"{name}\"; known: {Glove6B100d}.", nameof(name));

    /// <summary>Loads (once per process, about 10 MB) a built-in table by name.</summary>
    public static WordVectors Load(string name) => name == Glove6B100d ? Glove.Value
        : throw new ArgumentException($"Unknown pretrained embeddings \"{name}\"; known: {Glove6B100d}.", nameof(name));
}
