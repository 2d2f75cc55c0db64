using Microsoft.Extensions.Options;
using RnnService.Api.Jobs;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>POST /train's time check (Worker:JobTimeLimit one hour): which jobs it times before queueing them.</summary>
public sealed class TrainingEstimatesTests
{
    private int _timings;

    private Task<TrainingEstimate> Measure(double secondsPerEpoch)
    {
        _timings++;
        return Task.FromResult(new TrainingEstimate(ParameterCount: 0, MemoryBytes: 0, secondsPerEpoch, TimedExamples: 1));
    }

    private static TrainingEstimates Estimates() => new(Options.Create(new WorkerOptions { JobTimeLimit = TimeSpan.FromHours(1) }));

    [Fact]
    public async Task AJobWhoseLowerBoundIsUnderAThousandthOfTheLimitIsQueuedWithoutTimingIt()
    {
        using var estimates = Estimates();
        // 3 passes × 1,536 multiply-adds a step × 9,000 steps: 41 M, well under a millisecond at any core count.
        var small = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { HiddenSize = 16, EmbeddingSize = 8, Epochs = 10, ValidationFraction = 0.1f };

        var problem = await estimates.CheckTimeLimitAsync("small", Architecture.Lstm, small, new DataShape(1000, Continuous: false),
            _ => Measure(secondsPerEpoch: 1000), CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(0, _timings);
    }

    [Fact]
    public async Task AJobWhoseLowerBoundIsOverAThousandthOfTheLimitIsTimedOnceAndJudgedByTheTiming()
    {
        using var estimates = Estimates();
        // About 10^14 multiply-adds: 1,000 s on one core at the peak rate, 8 s on 128: between 3.6 s and the hour.
        var large = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { HiddenSize = 1024, EmbeddingSize = 1024, Layers = 1, Epochs = 44, ValidationFraction = 0.1f };
        var data = new DataShape(100_000, Continuous: false);

        var refused = await estimates.CheckTimeLimitAsync("large", Architecture.Lstm, large, data, _ => Measure(secondsPerEpoch: 100), CancellationToken.None);
        var shorter = await estimates.CheckTimeLimitAsync("large", Architecture.Lstm, large with { Epochs = 30 }, data, _ => Measure(secondsPerEpoch: 100), CancellationToken.None);

        Assert.NotNull(refused);
        Assert.Contains("about 4,400 s (timed here)", refused.ProblemDetails.Errors["hyperparameters.epochs"][0]);
        Assert.Null(shorter); // 3,000 s by the same timing, which was not repeated
        Assert.Equal(1, _timings);
    }
}
