using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Api.Datasets;

/// <summary>What POST /train needs to know of a dataset before it queues a job.</summary>
public sealed record DatasetFacts(TaskKind Task, DataShape Shape);

/// <summary>Built-in datasets (shipped in the engine) and uploads (in the database) behind one name space.</summary>
public sealed class DatasetCatalog(IDbContextFactory<RnnDbContext> dbFactory)
{
    private static readonly Lazy<IReadOnlyList<DatasetResponse>> BuiltIns = new(() =>
        BuiltInDatasets.All.Select(d => new DatasetResponse(d.Name, d.Task, true, d.Description, null,
            BuiltInDatasets.Load(d.Name) is TextCorpus { LineMode: true }, d.Samples, d.Bytes, null)).ToList());

    public static IReadOnlyList<DatasetResponse> BuiltInSummaries => BuiltIns.Value;

    public static bool IsBuiltIn(string name) => BuiltInDatasets.Exists(name);

    /// <summary>The dataset's task and its size as the engine's fitted defaults need it, in one lookup; null when no
    /// dataset has that name.</summary>
    public async Task<DatasetFacts?> FindAsync(string name, CancellationToken ct)
    {
        if (IsBuiltIn(name)) return BuiltInFacts(name);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.Where(d => d.Name == name)
            .Select(d => new DatasetFacts(d.Task, new DataShape(d.Samples, d.Task == TaskKind.CharLm && !d.LineMode))).FirstOrDefaultAsync(ct);
    }

    /// <summary>A built-in dataset's task and size, as <see cref="FindAsync"/> gives them.</summary>
    public static DatasetFacts BuiltInFacts(string name)
    {
        var builtIn = BuiltIns.Value.First(d => d.Name == name);
        return new DatasetFacts(builtIn.Task, new DataShape(builtIn.Samples, builtIn.Task == TaskKind.CharLm && !builtIn.LineMode));
    }

    /// <summary>Parses the dataset for training (before the run is handed to its training thread).</summary>
    public async Task<TrainingData> LoadAsync(string name, CancellationToken ct)
    {
        if (IsBuiltIn(name)) return BuiltInDatasets.Load(name);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LoadUploadAsync(db, name, ct) ?? throw new InvalidOperationException($"The dataset '{name}' no longer exists.");
    }

    /// <summary>An uploaded dataset, parsed (its content parsed when it was uploaded, so it parses again); null when there is none.</summary>
    public static async Task<TrainingData?> LoadUploadAsync(RnnDbContext db, string name, CancellationToken ct)
    {
        var upload = await db.Datasets.AsNoTracking().Where(d => d.Name == name)
            .Join(db.DatasetContents, d => d.Name, c => c.Name, (d, c) => new { d.Task, d.Format, d.LineMode, c.Content })
            .FirstOrDefaultAsync(ct);
        return upload is null ? null : DatasetParser.Parse(upload.Task, FormatName(upload.Format), upload.Content, upload.LineMode);
    }

    public static string FormatName(DatasetFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>Examples for sentiment, lines for line-mode text, characters for a corpus.</summary>
    public static int CountSamples(TrainingData data) => data switch
    {
        SentimentData s => s.Train.Count + (s.Test?.Count ?? 0),
        TextCorpus { LineMode: true } t => CharTokenizer.CountLines(t.Text),
        TextCorpus t => t.Text.Length,
        _ => 0,
    };
}
