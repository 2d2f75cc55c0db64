using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Kernels;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>
/// What a job will cost before it is queued. POST /train/estimate times a slice of the job: one such run at a time
/// (each is seconds of CPU), remembered per job shape. POST /train refuses a job that cannot finish within
/// Worker:JobTimeLimit (<see cref="CheckTimeLimitAsync"/>); ordinary jobs pass on a lower bound that costs nothing.
/// </summary>
public sealed class TrainingEstimates(IOptions<WorkerOptions> worker) : IDisposable
{
    /// <summary>Two FMA units × 16 float lanes (AVX-512) × 3 GHz ≈ 10¹¹ multiply-adds a second: no core here is faster,
    /// so seconds worked out at this rate are at most the real ones (the engine reaches a few per cent of it on
    /// small recurrent layers).</summary>
    private const double PeakMultiplyAddsPerCoreSecond = 1e11;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly MemoryCache _timed = new(new MemoryCacheOptions { SizeLimit = 512 });

    /// <summary>The timed estimate of <paramref name="shape"/> (a job's settings but its epochs: the estimate is per
    /// epoch), measured by <paramref name="measure"/> unless it was measured before; callers wait their turn rather
    /// than timing at once.</summary>
    public async Task<TrainingEstimate> TimedAsync(string shape, Func<Task<TrainingEstimate>> measure, CancellationToken ct)
    {
        if (_timed.TryGetValue(shape, out TrainingEstimate? known)) return known!;
        await _oneAtATime.WaitAsync(ct);
        try
        {
            if (_timed.TryGetValue(shape, out known)) return known!;
            var estimate = await measure();
            _timed.Set(shape, estimate, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
            return estimate;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Null when the job fits Worker:JobTimeLimit; else a 400 with the estimate, naming the fields that cut it.
    /// Judged by the shape's timed estimate when there is one; else by a lower bound from the model's size, and when
    /// that is over <see cref="TimedShare"/> of the limit (a job of minutes at least) by timing
    /// <see cref="CheckedBatches"/> batches of it now (<paramref name="measure"/>, given the batch count).</summary>
    public async Task<ValidationProblem?> CheckTimeLimitAsync(string shape, Architecture architecture, Hyperparameters hp, DataShape data,
        Func<int, Task<TrainingEstimate>> measure, CancellationToken ct)
    {
        if (!worker.Value.RefuseOverTimeLimit) return null;
        var limit = worker.Value.JobTimeLimit.TotalSeconds;
        double seconds;
        string basis;
        if (_timed.TryGetValue(shape, out TrainingEstimate? timed)) (seconds, basis) = (timed!.SecondsPerEpoch * hp.Epochs, "timed here");
        else
        {
            (seconds, basis) = (hp.MinimumTrainingMultiplyAdds(architecture, data) / (PeakMultiplyAddsPerCoreSecond * Cores), "at the least, from the model's size");
            if (seconds <= limit && seconds >= TimedShare * limit)
                (seconds, basis) = ((await TimedAsync(shape, () => measure(CheckedBatches), ct)).SecondsPerEpoch * hp.Epochs, "timed here");
        }
        if (seconds <= limit) return null;
        var message = $"Training would take about {seconds:N0} s ({basis}); the limit is {limit:N0} s (Worker:JobTimeLimit). " +
            "Reduce epochs, hiddenSize or layers, or train on a smaller dataset.";
        var fields = new[] { nameof(hp.Epochs), nameof(hp.HiddenSize), nameof(hp.Layers) };
        return TypedResults.ValidationProblem(fields.ToDictionary(f => "hyperparameters." + Problems.CamelCase(f), _ => new[] { message }),
            extensions: new Dictionary<string, object?> { ["estimatedSeconds"] = Math.Round(seconds, 1), ["limitSeconds"] = limit });
    }

    /// <summary>The engine runs far below the peak rate, most of all at small batches (a batch of one is matrix-vector
    /// work), so a job whose lower bound is over this share of the limit may well be over the limit: it is timed.</summary>
    private const double TimedShare = 0.001;

    /// <summary>Training batches POST /train times (POST /train/estimate times 10): enough for the rate, and about
    /// two seconds of CPU for the largest models.</summary>
    private const int CheckedBatches = 1;

    public void Dispose()
    {
        _timed.Dispose();
        _oneAtATime.Dispose();
    }

    private static int Cores => Math.Min(EngineThreads.Count, Environment.ProcessorCount);
}
