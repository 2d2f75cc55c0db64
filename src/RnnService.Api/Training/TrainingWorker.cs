using System.Diagnostics;
using Microsoft.Extensions.Options;
using RnnService.Api.Monitoring;

namespace RnnService.Api.Training;

/// <summary>The worker loop of one replica: first the engine's warm-up (Worker:WarmUp), then rescue jobs whose lease
/// expired, claim queued jobs while a slot is free (Worker:MaxConcurrentJobs), run each with <see cref="JobRunner"/>,
/// then wait for a wake-up or the next poll.</summary>
public sealed class TrainingWorker(
    JobStore store,
    JobRunner runner,
    TrainingThreads threads,
    WorkerWarmUp warmUp,
    WorkerWakeSignal wake,
    WorkerHealth health,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    RnnMetrics metrics,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        health.Tick();
        if (health.WarmingUp) await WarmUpAsync(stoppingToken);
        var running = new List<Task>();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            health.Tick();
            running.RemoveAll(t => t.IsCompleted);
            try
            {
                var rescued = await store.RescueExpiredAsync(stoppingToken);
                metrics.LeaseRescued(rescued.Requeued, rescued.Cancelled, rescued.Failed);
                while (running.Count < Math.Max(1, options.Value.MaxConcurrentJobs))
                {
                    var claimStarted = Stopwatch.GetTimestamp();
                    if (await store.ClaimNextAsync(identity.Name, stoppingToken) is not { } claim) break;
                    metrics.JobClaimed(Stopwatch.GetElapsedTime(claimStarted));
                    running.Add(RunAsync(claim, stoppingToken));
                }
                failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Typically the database is away; say so once, and keep polling until it is back.
                if (!failing) logger.LogError("Worker loop iteration failed ({Error}); retrying every poll.", ex.Message);
                failing = true;
            }
            try
            {
                await wake.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Running jobs checkpoint, hand themselves back to the queue and end.
        await Task.WhenAll(running);
    }

    /// <summary>Compiles the engine's code on a training thread before the first claim, so the first job runs as fast as
    /// later ones; a warm-up that fails only costs that speed.</summary>
    private async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await threads.RunAsync(() =>
            {
                warmUp.Run(stoppingToken);
                return true;
            });
            logger.LogInformation("Engine warmed up in {Milliseconds:F0} ms.", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The engine's warm-up failed; the first job compiles the engine instead.");
        }
        health.WarmedUp();
    }

    private async Task RunAsync(ClaimedJob claim, CancellationToken stoppingToken)
    {
        await runner.RunAsync(claim, stoppingToken);
        wake.Wake(); // a slot is free
    }
}
