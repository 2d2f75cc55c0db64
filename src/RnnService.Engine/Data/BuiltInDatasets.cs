using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Data;

/// <summary>
/// The datasets embedded in the engine (see Data/README.md for provenance):
/// "toy-sentiment" (58 train + 20 test sentences), "hamlet" (continuous text), "us-names" (8000 names, one a line),
/// "imdb-sentences" (1000 labelled IMDB review sentences, no split of its own).
/// </summary>
public static class BuiltInDatasets
{
    public const string ToySentiment = "toy-sentiment";
    public const string Hamlet = "hamlet";
    public const string UsNames = "us-names";
    public const string ImdbSentences = "imdb-sentences";

    private const string ResourcePrefix = "RnnService.Engine.Data.BuiltIn.";

    private static readonly ConcurrentDictionary<string, Lazy<TrainingData>> Loaded = new(StringComparer.Ordinal);
    private static readonly Lazy<IReadOnlyList<BuiltInDataset>> Catalog = new(DescribeAll);

    /// <summary>All built-in datasets, counts measured from the embedded files.</summary>
    public static IReadOnlyList<BuiltInDataset> All => Catalog.Value;

    public static bool Exists(string name) => name is ToySentiment or Hamlet or UsNames or ImdbSentences;

    /// <summary>Loads (once, then from cache) a built-in dataset by name.</summary>
    public static TrainingData Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Exists(name))
            throw new ArgumentException($"Unknown built-in dataset \"{name}\"; known: {ToySentiment}, {Hamlet}, {UsNames}, {ImdbSentences}.", nameof(name));
        return Loaded.GetOrAdd(name, key => new Lazy<TrainingData>(() => LoadUncached(key))).Value;
    }

    private static TrainingData LoadUncached(string name) => name switch
    {
        ToySentiment => ParseToySentiment(ReadText("toy-sentiment.json")),
        // The soliloquy is one line; a trailing newline would only teach the model to emit one.
        Hamlet => new TextCorpus(ReadText("hamlet.txt").TrimEnd('\r', '\n'), LineMode: false),
        UsNames => new TextCorpus(ReadText("us-names.txt"), LineMode: true),
        // No test split of its own: held-out splits are the caller's (validation) or an evaluation's choice.
        ImdbSentences => new SentimentData(ParseLabelledArray(ReadText("imdb-sentences.json")), Test: null),
        _ => throw new ArgumentException($"Unknown built-in dataset \"{name}\".", nameof(name)),
    };

    private static IReadOnlyList<BuiltInDataset> DescribeAll()
    {
        var sentiment = (SentimentData)Load(ToySentiment);
        var hamlet = (TextCorpus)Load(Hamlet);
        var names = (TextCorpus)Load(UsNames);
        var imdb = (SentimentData)Load(ImdbSentences);
        return
        [
            new(ToySentiment, TaskKind.Sentiment,
                $"Toy binary sentiment: {sentiment.Train.Count} training and {sentiment.Test!.Count} test short sentences (good, not bad, very happy...), labelled 1 positive / 0 negative.",
                sentiment.Train.Count + sentiment.Test.Count, ResourceLength("toy-sentiment.json")),
            new(Hamlet, TaskKind.CharLm,
                $"Hamlet's \"To be, or not to be\" soliloquy as one continuous text of {hamlet.Text.Length} characters.",
                hamlet.Text.Length, ResourceLength("hamlet.txt")),
            new(UsNames, TaskKind.CharLm,
                "US first names (SSA baby-name counts 1880-2024), lowercase, one per line, most births first.",
                CharTokenizer.SplitLines(names.Text).Count, ResourceLength("us-names.txt")),
            new(ImdbSentences, TaskKind.Sentiment,
                $"{imdb.Train.Count} IMDB review sentences labelled 1 positive / 0 negative, half each (UCI Sentiment Labelled Sentences, Kotzias et al. 2015); no test split of its own.",
                imdb.Train.Count, ResourceLength("imdb-sentences.json")),
        ];
    }

    private static SentimentData ParseToySentiment(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new SentimentData(ReadExamples(root.GetProperty("train")), ReadExamples(root.GetProperty("test")));
    }

    private static IReadOnlyList<SentimentExample> ReadExamples(JsonElement array) =>
        array.EnumerateArray()
            .Select(e => new SentimentExample(e.GetProperty("text").GetString()!, e.GetProperty("label").GetInt32()))
            .ToList()
            .AsReadOnly();

    /// <summary>The UCI file as the sentiment npm package ships it: [{"text": "...", "class": 0 or 1}, ...].</summary>
    private static IReadOnlyList<SentimentExample> ParseLabelledArray(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Select(e => new SentimentExample(e.GetProperty("text").GetString()!.Trim(), e.GetProperty("class").GetInt32()))
            .ToList()
            .AsReadOnly();
    }

    private static Stream OpenResource(string file) =>
        typeof(BuiltInDatasets).Assembly.GetManifestResourceStream(ResourcePrefix + file)
        ?? throw new InvalidOperationException($"Embedded resource {ResourcePrefix + file} is missing from the engine assembly.");

    private static string ReadText(string file)
    {
        using var reader = new StreamReader(OpenResource(file), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static long ResourceLength(string file)
    {
        using var stream = OpenResource(file);
        return stream.Length;
    }
}
