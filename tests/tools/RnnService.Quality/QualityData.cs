using System.IO.Compression;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Quality;

/// <summary>The labelled sets the quality program scores: the built-in ones by name, and the long-text set it ships.</summary>
internal static class QualityData
{
    /// <summary>About 5,900 e-mails of up to 300 words, spam or not (data/README.md says where they come from).</summary>
    public const string SpamAssassin = "spam-assassin";

    public static SentimentData LoadSentiment(string name)
    {
        if (name != SpamAssassin) return (SentimentData)BuiltInDatasets.Load(name);
        string path = Path.Combine(AppContext.BaseDirectory, "data", "spam-assassin.csv.gz");
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return (SentimentData)DatasetParser.Parse(TaskKind.Sentiment, DatasetParser.Csv, reader.ReadToEnd(), lineMode: false);
    }
}
