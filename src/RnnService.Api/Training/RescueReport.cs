namespace RnnService.Api.Training;

/// <summary>What one pass over expired leases did.</summary>
public sealed record RescueReport(int Requeued, int Cancelled, int Failed)
{
    public int Total => Requeued + Cancelled + Failed;
}
