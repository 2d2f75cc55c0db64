namespace RnnService.Api.Registry;

/// <summary>A model's weights as a safetensors file. Its own table: listing or describing models never reads it.</summary>
public sealed class ModelWeights
{
    public Guid ModelId { get; set; }
    public required byte[] Bytes { get; set; }
}
