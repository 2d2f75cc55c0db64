namespace RnnService.Api.Training;

/// <summary>The latest engine checkpoint of a job (one row per job, overwritten each epoch) so an
/// interrupted job resumes instead of starting over. Deleted when the job finishes.</summary>
public sealed class Checkpoint
{
    public Guid JobId { get; set; }
    public int Epoch { get; set; }
    public required byte[] Bytes { get; set; }
    public DateTime UpdatedAt { get; set; }
}
