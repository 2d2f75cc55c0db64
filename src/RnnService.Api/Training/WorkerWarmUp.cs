using RnnService.Engine.Training;

namespace RnnService.Api.Training;

/// <summary>What the worker runs on a training thread before its first claim when Worker:WarmUp is on: the engine's
/// warm-up (<see cref="EngineWarmUp"/>). A service of its own so tests can hold it or make it fail.</summary>
public class WorkerWarmUp
{
    public virtual void Run(CancellationToken cancellationToken) => EngineWarmUp.Run(cancellationToken);
}
