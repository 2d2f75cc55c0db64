using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Jobs;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>A service's <see cref="JobStore"/> on its own database with no worker loop: the worker would claim queued
/// jobs and rescue expired leases itself, so a test that calls the store directly could not tell its call from the worker's.</summary>
public sealed class StoreWithoutWorker : IAsyncDisposable
{
    private readonly RnnServiceFactory _factory;
    private readonly WebApplicationFactory<Program> _host;

    public StoreWithoutWorker(Dictionary<string, string?>? settings = null)
    {
        _factory = new RnnServiceFactory(settings);
        _host = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Remove(services.Single(d => d.ImplementationType == typeof(TrainingWorker)))));
        Store = _host.Services.GetRequiredService<JobStore>();
    }

    public JobStore Store { get; }

    public RnnDbContext OpenDatabase() => _factory.OpenDatabase();

    /// <summary>A toy-sentiment job in <paramref name="status"/> (running ones hold <paramref name="lease"/> for the next
    /// hour), with its epochs 1 to <see cref="TrainingJob.CurrentEpoch"/> stored; <paramref name="change"/> sets the rest.</summary>
    public async Task<Guid> AddJobAsync(JobStatus status, Action<TrainingJob>? change = null, string lease = "replica/1")
    {
        var now = DateTime.UtcNow;
        var job = new TrainingJob
        {
            Id = Guid.NewGuid(), Status = status, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
            HyperparametersJson = "{}", CurrentEpoch = status == JobStatus.Queued ? 0 : 2, TotalEpochs = 5, CreatedAt = now,
        };
        if (status == JobStatus.Running)
            (job.LeaseOwner, job.LeaseExpiresAt, job.Worker, job.StartedAt) = (lease, now.AddHours(1), "replica", now);
        change?.Invoke(job);
        await using var db = OpenDatabase();
        db.TrainingJobs.Add(job);
        db.EpochMetrics.AddRange(Enumerable.Range(1, job.CurrentEpoch).Select(e => Epoch(job.Id, e)));
        await db.SaveChangesAsync();
        return job.Id;
    }

    public async Task AddCheckpointAsync(Guid jobId, int epoch)
    {
        await using var db = OpenDatabase();
        db.Checkpoints.Add(new Checkpoint { JobId = jobId, Epoch = epoch, Bytes = [(byte)epoch], UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    public async Task<TrainingJob> JobAsync(Guid id)
    {
        await using var db = OpenDatabase();
        return await db.TrainingJobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    public async Task<List<int>> EpochsAsync(Guid id)
    {
        await using var db = OpenDatabase();
        return await db.EpochMetrics.Where(m => m.JobId == id).OrderBy(m => m.Epoch).Select(m => m.Epoch).ToListAsync();
    }

    public async Task<int?> CheckpointEpochAsync(Guid id)
    {
        await using var db = OpenDatabase();
        return await db.Checkpoints.Where(c => c.JobId == id).Select(c => (int?)c.Epoch).SingleOrDefaultAsync();
    }

    public static JobEpoch Epoch(Guid jobId, int epoch) =>
        new() { JobId = jobId, Epoch = epoch, TrainLoss = 1.0 / epoch, Seconds = 0.1, RecordedAt = DateTime.UtcNow };

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
    }
}
