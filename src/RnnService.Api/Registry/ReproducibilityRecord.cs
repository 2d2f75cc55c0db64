using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Registry;

/// <summary>What produced a model, enough to train it again: POST /train with this task, architecture, dataset
/// (check its SHA-256), hyperparameters (the seed among them) and initFrom gives the same weights on the same
/// service version and thread count.</summary>
/// <param name="DatasetSha256">Hex SHA-256 of the training data as parsed: a corpus's text as UTF-8 (prefixed by
/// "lines\n" in line mode); sentiment examples as "label\ttext\n", training examples then test examples.</param>
/// <param name="DatasetBytes">The length of that canonical form.</param>
/// <param name="ServiceVersion">The service assembly's informational version; builds from git carry the commit after '+'.</param>
/// <param name="Threads">Threads the engine may use for big matrix products (Engine:Threads); results are the same for any count.</param>
public sealed record ReproducibilityRecord(TaskKind Task, Architecture Architecture, string Dataset, string DatasetSha256,
    long DatasetBytes, int Seed, Hyperparameters Hyperparameters, Guid? InitFromModelId, string ServiceVersion, int Threads)
{
    public static readonly string CurrentServiceVersion =
        typeof(ReproducibilityRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static int CurrentThreads => RnnService.Engine.Kernels.EngineThreads.Count;

    /// <summary>The canonical form's SHA-256 (hex, lowercase) and length.</summary>
    public static (string Sha256, long Bytes) Fingerprint(TrainingData data)
    {
        var canonical = new StringBuilder();
        switch (data)
        {
            case TextCorpus corpus:
                if (corpus.LineMode) canonical.Append("lines\n");
                canonical.Append(corpus.Text);
                break;
            case SentimentData sentiment:
                foreach (var example in sentiment.Train.Concat(sentiment.Test ?? []))
                    canonical.Append(example.Label).Append('\t').Append(example.Text).Append('\n');
                break;
            default:
                throw new ArgumentException($"Unknown data {data.GetType().Name}.", nameof(data));
        }
        var bytes = Encoding.UTF8.GetBytes(canonical.ToString());
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.LongLength);
    }
}
