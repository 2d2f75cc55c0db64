using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>Every write a run makes is fenced by its lease: once another replica holds the job (its lease expired and
/// was rescued), the old run's writes change nothing, the final one included.</summary>
public sealed class JobStoreFencingTests
{
    private const string CurrentLease = "replica-b/2";
    private const string StaleLease = "replica-a/1";

    [Fact]
    public async Task AReplicaThatLostItsLeaseCannotStoreItsModel()
    {
        await using var factory = new RnnServiceFactory();
        var store = factory.Services.GetRequiredService<JobStore>();
        var jobId = await AddJobHeldByAnotherReplicaAsync(factory);
        var model = NewModel(jobId);

        Assert.False(await store.SucceedAsync(new JobLease(jobId, StaleLease), [Epoch(jobId, 3)], model,
            new ModelWeights { ModelId = model.Id, Bytes = [1, 2, 3] }, finalEpoch: 3, bestEpoch: 3, CancellationToken.None));

        await AssertUntouchedAsync(factory, jobId);
        // The replica that holds the lease stores the same model: the write itself was valid.
        Assert.True(await store.SucceedAsync(new JobLease(jobId, CurrentLease), [Epoch(jobId, 3)], model,
            new ModelWeights { ModelId = model.Id, Bytes = [1, 2, 3] }, finalEpoch: 3, bestEpoch: 3, CancellationToken.None));
        await using var db = factory.OpenDatabase();
        var job = await db.TrainingJobs.SingleAsync(j => j.Id == jobId);
        Assert.Equal((JobStatus.Succeeded, model.Id, 3, (string?)null), (job.Status, job.ModelId, job.CurrentEpoch, job.LeaseOwner));
        Assert.Equal(1, await db.Models.CountAsync(m => m.JobId == jobId));
    }

    public static TheoryData<string> StaleWrites() => ["progress", "checkpoint", "pause", "fail", "release", "begin", "renew", "check"];

    [Theory]
    [MemberData(nameof(StaleWrites))]
    public async Task EveryOtherWriteOfAReplicaThatLostItsLeaseChangesNothing(string write)
    {
        await using var factory = new RnnServiceFactory();
        var store = factory.Services.GetRequiredService<JobStore>();
        var jobId = await AddJobHeldByAnotherReplicaAsync(factory);
        var lease = new JobLease(jobId, StaleLease);
        var ct = CancellationToken.None;
        var checkpoint = new Checkpoint { JobId = jobId, Epoch = 3, Bytes = [4, 5], UpdatedAt = DateTime.UtcNow };

        bool held = write switch
        {
            "progress" => await store.RecordProgressAsync(lease, [Epoch(jobId, 3)], 1.0, null, ct),
            "checkpoint" => await store.RecordProgressAsync(lease, [Epoch(jobId, 3)], 1.0, checkpoint, ct),
            "pause" => await store.PauseAsync(lease, [Epoch(jobId, 3)], ct),
            "fail" => await store.FinishAsync(lease, JobStatus.Failed, "stale", [Epoch(jobId, 3)], ct),
            "release" => await store.ReleaseAsync(lease, ct),
            "begin" => await store.BeginRunAsync(lease, 0, resumed: false, ct),
            "renew" => await store.RenewAsync(lease, extendLease: true, ct) != StopRequest.LeaseLost,
            _ => await store.RenewAsync(lease, extendLease: false, ct) != StopRequest.LeaseLost, // a check between renewals
        };

        Assert.False(held);
        await AssertUntouchedAsync(factory, jobId);
    }

    /// <summary>A running job at epoch 2 whose lease belongs to another replica for the next hour (so nothing rescues it).</summary>
    private static async Task<Guid> AddJobHeldByAnotherReplicaAsync(RnnServiceFactory factory)
    {
        var id = Guid.NewGuid();
        await using var db = factory.OpenDatabase();
        db.TrainingJobs.Add(new TrainingJob
        {
            Id = id, Status = JobStatus.Running, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
            HyperparametersJson = "{}", CurrentEpoch = 2, TotalEpochs = 5, LeaseOwner = CurrentLease,
            LeaseExpiresAt = DateTime.UtcNow.AddHours(1), Worker = "replica-b", CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
        });
        db.EpochMetrics.AddRange(Epoch(id, 1), Epoch(id, 2));
        await db.SaveChangesAsync();
        return id;
    }

    private static async Task AssertUntouchedAsync(RnnServiceFactory factory, Guid jobId)
    {
        await using var db = factory.OpenDatabase();
        var job = await db.TrainingJobs.AsNoTracking().SingleAsync(j => j.Id == jobId);
        Assert.Equal((JobStatus.Running, CurrentLease, 2, (Guid?)null, (DateTime?)null, (string?)null),
            (job.Status, job.LeaseOwner, job.CurrentEpoch, job.ModelId, job.FinishedAt, job.Error));
        Assert.Equal([1, 2], await db.EpochMetrics.Where(m => m.JobId == jobId).OrderBy(m => m.Epoch).Select(m => m.Epoch).ToListAsync());
        Assert.False(await db.Models.AnyAsync(m => m.JobId == jobId));
        Assert.False(await db.Checkpoints.AnyAsync(c => c.JobId == jobId));
    }

    private static JobEpoch Epoch(Guid jobId, int epoch) =>
        new() { JobId = jobId, Epoch = epoch, TrainLoss = 1.0 / epoch, Seconds = 0.1, RecordedAt = DateTime.UtcNow };

    private static Model NewModel(Guid jobId) => new()
    {
        Id = Guid.NewGuid(), JobId = jobId, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
        VocabularySize = 3, ParameterCount = 3, ConfigJson = "{}", CreatedAt = DateTime.UtcNow,
    };
}
