using Microsoft.Extensions.Options;

namespace RnnService.Api.Training;

/// <summary>When this replica's worker loop last went round, and whether it is still warming up (Worker:WarmUp);
/// /health reports a stalled or warming worker.</summary>
public sealed class WorkerHealth(IOptions<WorkerOptions> options)
{
    private long _lastTickTicks = DateTime.UtcNow.Ticks;
    private volatile bool _warmingUp = options.Value.WarmUp;

    public DateTime LastTick => new(Interlocked.Read(ref _lastTickTicks), DateTimeKind.Utc);
    public void Tick() => Interlocked.Exchange(ref _lastTickTicks, DateTime.UtcNow.Ticks);

    /// <summary>True from the start until the worker's warm-up ends (never, with Worker:WarmUp false).</summary>
    public bool WarmingUp => _warmingUp;
    public void WarmedUp() => _warmingUp = false;
}
