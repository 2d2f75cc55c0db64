using RnnService.Engine.Models;

namespace RnnService.Api.Datasets;

public enum DatasetFormat { Csv, Jsonl, Text }

/// <summary>An uploaded dataset's description; its content lives in <see cref="DatasetContent"/> so listings never read it.</summary>
public sealed class Dataset
{
    public required string Name { get; set; }
    public TaskKind Task { get; set; }
    public DatasetFormat Format { get; set; }
    public bool LineMode { get; set; }
    public int Samples { get; set; }
    public long Bytes { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A dataset as listed: samples are examples (sentiment), lines (line-mode text) or characters (corpus); bytes
/// is the uploaded content's UTF-8 size (a model's reproducibility record hashes the parsed data instead).</summary>
/// <example>{"name": "pets", "task": "charlm", "builtIn": false, "description": null, "format": "text", "lineMode": true,
/// "samples": 3, "bytes": 16, "createdAt": "2026-12-05T07:00:00Z"}</example>
public sealed record DatasetResponse(string Name, TaskKind Task, bool BuiltIn, string? Description,
    DatasetFormat? Format, bool LineMode, int Samples, long Bytes, DateTime? CreatedAt);

/// <summary>One row of a preview: a sentiment example (label 0 negative / 1 positive) or a line of text (label null).</summary>
public sealed record DatasetRow(string Text, int? Label);

/// <summary>The first rows of a dataset; samples counts the whole dataset as GET /datasets does.</summary>
public sealed record DatasetPreview(string Name, TaskKind Task, int Samples, IReadOnlyList<DatasetRow> Rows);

public static class DatasetMapping
{
    public static DatasetResponse AsResponse(this Dataset d) =>
        new(d.Name, d.Task, false, null, d.Format, d.LineMode, d.Samples, d.Bytes, d.CreatedAt);
}
