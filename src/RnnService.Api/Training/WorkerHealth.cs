namespace RnnService.Api.Training;

/// <summary>When this replica's worker loop last went round; /health reports a stalled worker.</summary>
public sealed class WorkerHealth
{
    private long _lastTickTicks = DateTime.UtcNow.Ticks;

    public DateTime LastTick => new(Interlocked.Read(ref _lastTickTicks), DateTimeKind.Utc);
    public void Tick() => Interlocked.Exchange(ref _lastTickTicks, DateTime.UtcNow.Ticks);
}
