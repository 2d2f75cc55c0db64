using Microsoft.EntityFrameworkCore;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>The writes a replica makes for a run it holds the lease of (<see cref="JobStoreFencingTests"/> has the ones
/// made without it), and the enqueue that every run starts from: what each write changes, and what it keeps.</summary>
public sealed class JobStoreRunTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task TheOldestQueuedJobIsClaimedUnderANewLeaseOfTheWorkerKeepingWhenItFirstStarted()
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:LeaseDuration"] = "00:10:00" });
        var firstStarted = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var older = await host.AddJobAsync(JobStatus.Queued, j => (j.CreatedAt, j.StartedAt) = (DateTime.UtcNow.AddMinutes(-2), firstStarted));
        var newer = await host.AddJobAsync(JobStatus.Queued, j => j.CreatedAt = DateTime.UtcNow.AddMinutes(-1));
        var before = DateTime.UtcNow;

        var claim = await host.Store.ClaimNextAsync("replica-x", None);
        var second = await host.Store.ClaimNextAsync("replica-y", None);

        Assert.Equal(older, claim!.Job.Id);
        Assert.Equal(newer, second!.Job.Id);
        Assert.Null(await host.Store.ClaimNextAsync("replica-z", None));
        var job = await host.JobAsync(older);
        Assert.Equal((JobStatus.Running, "replica-x", claim.Lease.LeaseId, firstStarted), (job.Status, job.Worker, job.LeaseOwner, job.StartedAt));
        Assert.StartsWith("replica-x/", claim.Lease.LeaseId);
        Assert.NotEqual(claim.Lease.LeaseId, (await host.JobAsync(newer)).LeaseOwner);
        Assert.InRange(job.LeaseExpiresAt!.Value, before.AddMinutes(10), DateTime.UtcNow.AddMinutes(10));
        Assert.InRange((await host.JobAsync(newer)).StartedAt!.Value, before, DateTime.UtcNow);
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, null)]
    public async Task ARunFromAnEpochDropsTheEpochsAfterItAndSaysWhetherItResumed(bool resumed, int? resumedFrom)
    {
        await using var host = new StoreWithoutWorker();
        var id = await host.AddJobAsync(JobStatus.Running, j => (j.CurrentEpoch, j.ResumedFromEpoch) = (4, 1));

        Assert.True(await host.Store.BeginRunAsync(new JobLease(id, "replica/1"), fromEpoch: 2, resumed, None));

        var job = await host.JobAsync(id);
        Assert.Equal((2, resumedFrom), (job.CurrentEpoch, job.ResumedFromEpoch));
        Assert.Equal([1, 2], await host.EpochsAsync(id));
    }

    [Fact]
    public async Task ProgressStoresTheEpochsAndTheirEtaAndARetriedBatchOrCheckpointReplacesItself()
    {
        await using var host = new StoreWithoutWorker();
        var id = await host.AddJobAsync(JobStatus.Running);
        var lease = new JobLease(id, "replica/1");
        Checkpoint At(int epoch) => new() { JobId = id, Epoch = epoch, Bytes = [(byte)epoch], UpdatedAt = DateTime.UtcNow };

        Assert.True(await host.Store.RecordProgressAsync(lease, [StoreWithoutWorker.Epoch(id, 3), StoreWithoutWorker.Epoch(id, 4)], 12.5, At(4), None));
        Assert.True(await host.Store.RecordProgressAsync(lease, [StoreWithoutWorker.Epoch(id, 4)], 6.25, At(4), None));
        var afterRetry = await host.JobAsync(id);
        Assert.True(await host.Store.RecordProgressAsync(lease, [], null, At(5), None)); // a checkpoint alone: the epochs are unchanged

        Assert.Equal((4, 6.25), (afterRetry.CurrentEpoch, afterRetry.EtaSeconds));
        Assert.Equal([1, 2, 3, 4], await host.EpochsAsync(id));
        Assert.Equal(4, (await host.JobAsync(id)).CurrentEpoch);
        await using var db = host.OpenDatabase();
        var checkpoint = await db.Checkpoints.SingleAsync(c => c.JobId == id);
        Assert.Equal(5, checkpoint.Epoch);
        Assert.Equal([5], checkpoint.Bytes);
    }

    [Fact]
    public async Task APausedRunKeepsItsCheckpointAndLastEpochAndGivesUpItsLease()
    {
        await using var host = new StoreWithoutWorker();
        var withEpochs = await host.AddJobAsync(JobStatus.Running, j => (j.PauseRequested, j.EtaSeconds) = (true, 9));
        var withoutEpochs = await host.AddJobAsync(JobStatus.Running, j => j.PauseRequested = true);
        await host.AddCheckpointAsync(withEpochs, 3);

        Assert.True(await host.Store.PauseAsync(new JobLease(withEpochs, "replica/1"), [StoreWithoutWorker.Epoch(withEpochs, 3)], None));
        Assert.True(await host.Store.PauseAsync(new JobLease(withoutEpochs, "replica/1"), [], None));

        var paused = await host.JobAsync(withEpochs);
        Assert.Equal((JobStatus.Paused, false, 3, (double?)null, (string?)null, (DateTime?)null),
            (paused.Status, paused.PauseRequested, paused.CurrentEpoch, paused.EtaSeconds, paused.LeaseOwner, paused.LeaseExpiresAt));
        Assert.Equal(3, await host.CheckpointEpochAsync(withEpochs));
        Assert.Equal([1, 2, 3], await host.EpochsAsync(withEpochs));
        var pausedWithoutEpochs = await host.JobAsync(withoutEpochs);
        Assert.Equal((JobStatus.Paused, 2), (pausedWithoutEpochs.Status, pausedWithoutEpochs.CurrentEpoch));
    }

    [Theory]
    [InlineData(true, null, JobStatus.Paused)]      // a user's or a sweep's pause, still asked for
    [InlineData(false, 3, JobStatus.Paused)]        // a sweep trial at its rung, which nobody asks for
    [InlineData(false, null, JobStatus.Queued)]     // a sweep's pause that its resume withdrew after the run read it
    [InlineData(false, 4, JobStatus.Queued)]        // the same, on the way to a later rung
    public async Task ARunStoppedForAPauseEndsPausedOnlyIfThePauseStillHoldsAndOtherwiseContinuesFromItsCheckpoint(
        bool requested, int? pauseAtEpoch, JobStatus expected)
    {
        await using var host = new StoreWithoutWorker();
        var id = await host.AddJobAsync(JobStatus.Running, j => (j.PauseRequested, j.PauseAtEpoch) = (requested, pauseAtEpoch));
        await host.AddCheckpointAsync(id, 3);

        Assert.True(await host.Store.PauseAsync(new JobLease(id, "replica/1"), [StoreWithoutWorker.Epoch(id, 3)], None));

        var job = await host.JobAsync(id);
        Assert.Equal((expected, false, 3, (string?)null, (DateTime?)null),
            (job.Status, job.PauseRequested, job.CurrentEpoch, job.LeaseOwner, job.LeaseExpiresAt));
        Assert.Equal(expected == JobStatus.Queued ? null : "replica", job.Worker);
        Assert.Equal(3, await host.CheckpointEpochAsync(id));
        Assert.Equal([1, 2, 3], await host.EpochsAsync(id));
    }

    [Theory]
    [InlineData(JobStatus.Failed, "diverged", 3)]   // with the epoch it finished before failing
    [InlineData(JobStatus.Cancelled, null, 2)]      // without epochs since the last write
    public async Task ARunEndedWithoutAModelDropsItsCheckpointAndKeepsItsLastEpoch(JobStatus status, string? error, int lastEpoch)
    {
        await using var host = new StoreWithoutWorker();
        var id = await host.AddJobAsync(JobStatus.Running, j => j.EtaSeconds = 9);
        await host.AddCheckpointAsync(id, 2);
        var epochs = Enumerable.Range(3, lastEpoch - 2).Select(e => StoreWithoutWorker.Epoch(id, e)).ToList();

        Assert.True(await host.Store.FinishAsync(new JobLease(id, "replica/1"), status, error, epochs, None));

        var job = await host.JobAsync(id);
        Assert.Equal((status, error, lastEpoch, (double?)null, (string?)null), (job.Status, job.Error, job.CurrentEpoch, job.EtaSeconds, job.LeaseOwner));
        Assert.Equal(Enumerable.Range(1, lastEpoch), await host.EpochsAsync(id));
        Assert.NotNull(job.FinishedAt);
        Assert.Null(await host.CheckpointEpochAsync(id));
    }

    [Fact]
    public async Task AReleasedRunGoesBackToTheQueueWithItsCheckpointForAnyReplica()
    {
        await using var host = new StoreWithoutWorker();
        var id = await host.AddJobAsync(JobStatus.Running);
        await host.AddCheckpointAsync(id, 2);

        Assert.True(await host.Store.ReleaseAsync(new JobLease(id, "replica/1"), None));

        var job = await host.JobAsync(id);
        Assert.Equal((JobStatus.Queued, (string?)null, (string?)null, (DateTime?)null, 2, 0),
            (job.Status, job.LeaseOwner, job.Worker, job.LeaseExpiresAt, job.CurrentEpoch, job.RescueCount));
        Assert.Equal(2, await host.CheckpointEpochAsync(id));
    }

    [Fact]
    public async Task AnEnqueueIsRefusedWhenItsDatasetOrBaseModelIsGoneOrTheQueueIsFullAndAnsweredWithTheJobOfARepeatedKey()
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:MaxQueuedJobs"] = "4" });
        TrainingJob Job(string dataset = "toy-sentiment", Guid? initFrom = null, string? key = null, string hash = "h1") => new()
        {
            Id = Guid.NewGuid(), Status = JobStatus.Queued, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = dataset,
            HyperparametersJson = "{}", TotalEpochs = 1, CreatedAt = DateTime.UtcNow, InitFromModelId = initFrom, IdempotencyKey = key, RequestHash = hash,
        };
        var missingModel = Guid.NewGuid();
        var existingModel = Guid.NewGuid();
        var baseJob = await host.AddJobAsync(JobStatus.Succeeded);
        await using (var setup = host.OpenDatabase())
        {
            setup.Datasets.Add(new Dataset { Name = "my-upload", Task = TaskKind.Sentiment, CreatedAt = DateTime.UtcNow });
            setup.Models.Add(new Model
            {
                Id = existingModel, JobId = baseJob, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
                VocabularySize = 3, ParameterCount = 3, ConfigJson = "{}", CreatedAt = DateTime.UtcNow,
            });
            await setup.SaveChangesAsync();
        }

        var gone = Assert.IsType<EnqueueResult.Gone>(await host.Store.EnqueueAsync(Job(dataset: "deleted-upload"), None));
        var baseGone = Assert.IsType<EnqueueResult.Gone>(await host.Store.EnqueueAsync(Job(initFrom: missingModel), None));
        var created = Assert.IsType<EnqueueResult.Created>(await host.Store.EnqueueAsync(Job(key: "k"), None));
        var again = Assert.IsType<EnqueueResult.Existing>(await host.Store.EnqueueAsync(Job(key: "k"), None));
        var reused = Assert.IsType<EnqueueResult.KeyReused>(await host.Store.EnqueueAsync(Job(key: "k", hash: "h2"), None));
        Assert.IsType<EnqueueResult.Created>(await host.Store.EnqueueAsync(Job(dataset: "my-upload"), None));
        Assert.IsType<EnqueueResult.Created>(await host.Store.EnqueueAsync(Job(initFrom: existingModel), None));
        Assert.IsType<EnqueueResult.Created>(await host.Store.EnqueueAsync(Job(), None));
        var full = Assert.IsType<EnqueueResult.QueueFull>(await host.Store.EnqueueAsync(Job(), None));

        Assert.Equal(("dataset", "The dataset 'deleted-upload' was deleted."), (gone.Field, gone.Message));
        Assert.Equal(("initFrom", $"The model {missingModel} was deleted."), (baseGone.Field, baseGone.Message));
        Assert.Equal(created.Job.Id, again.Job.Id);
        Assert.Equal(created.Job.Id, reused.Job.Id);
        Assert.Equal(4, full.Queued);
        await using var db = host.OpenDatabase();
        Assert.Equal(4, await db.TrainingJobs.CountAsync(j => j.Status == JobStatus.Queued));
    }
}
