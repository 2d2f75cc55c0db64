namespace RnnService.Api.Datasets;

/// <summary>An uploaded dataset's content, kept verbatim and parsed again when a job trains on it.
/// Its own table: listing datasets never reads it.</summary>
public sealed class DatasetContent
{
    public required string Name { get; set; }
    public required string Content { get; set; }
}
