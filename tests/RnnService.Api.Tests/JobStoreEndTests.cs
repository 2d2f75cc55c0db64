using Microsoft.EntityFrameworkCore;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Sweeps;
using RnnService.Api.Training;
using RnnService.Api.Webhooks;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>What a job's end writes besides the job, in the same transaction: its webhook events, its sweep's next step,
/// its model under the next version of its name; and what the store reads back for a run.</summary>
public sealed class JobStoreEndTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string, string[]> Ends => new()
    {
        { "succeed", ["job.succeeded main", "model.created main", "job.cancelled sibling"] },
        { "fail", ["job.failed main", "job.cancelled sibling"] },
        { "cancel queued", ["job.cancelled main", "job.cancelled sibling"] },
        { "rescue cancelled", ["job.cancelled main", "job.cancelled sibling"] },
        { "rescue failed", ["job.failed main", "job.cancelled sibling"] },
        // A pause ends nothing, but steps the sweep, which ends its waiting trials: the paused one too.
        { "pause", ["job.cancelled main", "job.cancelled sibling"] },
    };

    [Theory]
    [MemberData(nameof(Ends))]
    public async Task EveryEndOfATrialRecordsItsWebhookEventsAndStepsItsSweep(string end, string[] events)
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:MaxRescues"] = "3" });
        var sweepId = await AddCancelledSweepAsync(host);
        await AddWebhookAsync(host);
        var expired = DateTime.UtcNow.AddMinutes(-1);
        var main = await host.AddJobAsync(end == "cancel queued" ? JobStatus.Queued : JobStatus.Running, j =>
        {
            j.SweepId = sweepId;
            if (end.StartsWith("rescue")) (j.LeaseExpiresAt, j.CancelRequested, j.RescueCount) = (expired, end == "rescue cancelled", end == "rescue failed" ? 3 : 0);
            j.PauseRequested = end == "pause";
        });
        var sibling = await host.AddJobAsync(JobStatus.Queued, j => j.SweepId = sweepId);
        await host.AddCheckpointAsync(main, 2);
        var lease = new JobLease(main, "replica/1");
        var model = NewModel(main, name: null);

        var written = end switch
        {
            "succeed" => await host.Store.SucceedAsync(lease, [], model, Weights(model, 1), finalEpoch: 2, bestEpoch: 2, None),
            "fail" => await host.Store.FinishAsync(lease, JobStatus.Failed, "boom", [], None),
            "cancel queued" => await host.Store.RequestCancelAsync(main, None) == CancelOutcome.Cancelled,
            "pause" => await host.Store.PauseAsync(lease, [], None),
            _ => (await host.Store.RescueExpiredAsync(None)).Total == 1,
        };

        Assert.True(written);
        var siblingNow = await host.JobAsync(sibling);
        Assert.Equal((JobStatus.Cancelled, "The sweep was cancelled."), (siblingNow.Status, siblingNow.Error));
        Assert.Null(await host.CheckpointEpochAsync(main));
        await using var db = host.OpenDatabase();
        var recorded = await db.WebhookEvents.Select(e => new { e.Type, e.Payload }).ToListAsync();
        Assert.Equal(events.Order(), recorded.Select(e => $"{e.Type} {(e.Payload.Contains(main.ToString()) ? "main" : "sibling")}").Order());
    }

    [Fact]
    public async Task ASucceededRunStoresItsNamedModelAsTheNextVersionAndAModelOverTheStorageLimitStoresNothing()
    {
        await using var host = new StoreWithoutWorker(new() { ["Limits:MaxStoredBytes"] = "100" });
        var first = await host.AddJobAsync(JobStatus.Running);
        var second = await host.AddJobAsync(JobStatus.Running);
        var tooBig = await host.AddJobAsync(JobStatus.Running);
        await host.AddCheckpointAsync(second, 2);
        var earlier = NewModel(first, "toy");
        var model = NewModel(second, "toy");
        var big = NewModel(tooBig, "toy");
        Assert.True(await host.Store.SucceedAsync(new JobLease(first, "replica/1"), [], earlier, Weights(earlier, 10), 2, 2, None));

        Assert.True(await host.Store.SucceedAsync(new JobLease(second, "replica/1"), [StoreWithoutWorker.Epoch(second, 3)], model,
            Weights(model, 20), finalEpoch: 3, bestEpoch: 2, None));
        var refusal = await Assert.ThrowsAsync<StorageLimitException>(() =>
            host.Store.SucceedAsync(new JobLease(tooBig, "replica/1"), [], big, Weights(big, 80), 2, 2, None));

        var job = await host.JobAsync(second);
        Assert.Equal((JobStatus.Succeeded, model.Id, 3, 2, 0.0, (string?)null), (job.Status, job.ModelId, job.CurrentEpoch, job.BestEpoch, job.EtaSeconds, job.LeaseOwner));
        Assert.NotNull(job.FinishedAt);
        Assert.Equal([1, 2, 3], await host.EpochsAsync(second));
        Assert.Null(await host.CheckpointEpochAsync(second));
        Assert.Equal(new byte[20], await host.Store.LoadModelWeightsAsync(model.Id, None));
        Assert.Null(await host.Store.LoadModelWeightsAsync(big.Id, None));
        Assert.Contains($"The model of job {tooBig}", refusal.Message);
        var refused = await host.JobAsync(tooBig);
        Assert.Equal((JobStatus.Running, (Guid?)null), (refused.Status, refused.ModelId));
        await using var db = host.OpenDatabase();
        Assert.Equal([(1, first), (2, second)], (await db.Models.Where(m => m.Name == "toy").OrderBy(m => m.Version)
            .Select(m => new { m.Version, m.JobId }).ToListAsync()).Select(m => (m.Version!.Value, m.JobId)));
    }

    [Fact]
    public async Task TheStoreReadsBackOnlyTheJobsOwnCheckpointAndListsTheJobsThatWillStillReadTheirData()
    {
        await using var host = new StoreWithoutWorker();
        var ids = new Dictionary<JobStatus, Guid>();
        foreach (var status in Enum.GetValues<JobStatus>()) ids[status] = await host.AddJobAsync(status);
        await host.AddCheckpointAsync(ids[JobStatus.Paused], 2);

        var checkpoint = await host.Store.LoadCheckpointAsync(ids[JobStatus.Paused], None);

        Assert.Equal((ids[JobStatus.Paused], 2), (checkpoint!.JobId, checkpoint.Epoch));
        Assert.Equal([2], checkpoint.Bytes);
        Assert.Null(await host.Store.LoadCheckpointAsync(ids[JobStatus.Running], None));
        await using var db = host.OpenDatabase();
        var unfinished = await JobStore.Unfinished(db).Select(j => j.Id).ToListAsync();
        Assert.Equal(new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Paused }.Select(s => ids[s]).Order(), unfinished.Order());
    }

    /// <summary>A cancelled sweep: any step of it ends its waiting trials (queued or paused) with "The sweep was cancelled.".</summary>
    private static async Task<Guid> AddCancelledSweepAsync(StoreWithoutWorker host)
    {
        var sweep = new Sweep
        {
            Id = Guid.NewGuid(), Name = "sweep", Status = SweepStatus.Cancelled, Dataset = "toy-sentiment", HyperparametersJson = "{}",
            SpaceJson = "{}", Alias = "best", MaxEpochs = 5, MinEpochs = 1, Eta = 3, MaxTrials = 2, MaxConcurrent = 1,
            CreatedAt = DateTime.UtcNow, FinishedAt = DateTime.UtcNow,
        };
        await using var db = host.OpenDatabase();
        db.Sweeps.Add(sweep);
        await db.SaveChangesAsync();
        return sweep.Id;
    }

    private static async Task AddWebhookAsync(StoreWithoutWorker host)
    {
        await using var db = host.OpenDatabase();
        db.Webhooks.Add(new Webhook
        {
            Id = Guid.NewGuid(), Url = "https://webhooks.invalid/hook", EncryptedSecret = [0],
            Events = string.Join(' ', WebhookEventTypes.JobSucceeded, WebhookEventTypes.JobFailed, WebhookEventTypes.JobCancelled, WebhookEventTypes.ModelCreated),
            CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    private static Model NewModel(Guid jobId, string? name) => new()
    {
        Id = Guid.NewGuid(), JobId = jobId, Name = name, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
        VocabularySize = 3, ParameterCount = 3, ConfigJson = "{}", CreatedAt = DateTime.UtcNow,
    };

    private static ModelWeights Weights(Model model, int bytes) => new() { ModelId = model.Id, Bytes = new byte[bytes] };
}
