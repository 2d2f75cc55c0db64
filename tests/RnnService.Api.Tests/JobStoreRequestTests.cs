using RnnService.Api.Jobs;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

/// <summary>What users and expired leases do to jobs through <see cref="JobStore"/>, called directly on each status a
/// job can be in: every outcome and every column the transition is meant to change (or keep).</summary>
public sealed class JobStoreRequestTests
{
    [Fact]
    public async Task ExpiredLeasesAreRequeuedUntilTheirRescuesRunOutWhileCancelsPendingEndAndLiveLeasesStay()
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:MaxRescues"] = "3" });
        void Expired(TrainingJob j) => j.LeaseExpiresAt = DateTime.UtcNow.AddMinutes(-1);
        var first = await host.AddJobAsync(JobStatus.Running, Expired);
        var lastRescue = await host.AddJobAsync(JobStatus.Running, j => { Expired(j); j.RescueCount = 2; });
        var usedUp = await host.AddJobAsync(JobStatus.Running, j => { Expired(j); j.RescueCount = 3; });
        var cancelling = await host.AddJobAsync(JobStatus.Running, j => { Expired(j); j.CancelRequested = true; });
        var alive = await host.AddJobAsync(JobStatus.Running);
        foreach (var id in new[] { first, usedUp, cancelling, alive }) await host.AddCheckpointAsync(id, 2);

        var report = await host.Store.RescueExpiredAsync(CancellationToken.None);

        Assert.Equal(new RescueReport(Requeued: 2, Cancelled: 1, Failed: 1), report);
        var requeued = await host.JobAsync(first);
        Assert.Equal((JobStatus.Queued, 1, null, null, null), (requeued.Status, requeued.RescueCount, requeued.LeaseOwner, requeued.LeaseExpiresAt, requeued.Worker));
        Assert.Equal(2, await host.CheckpointEpochAsync(first)); // it resumes from there
        var lastRequeued = await host.JobAsync(lastRescue);
        Assert.Equal((JobStatus.Queued, 3), (lastRequeued.Status, lastRequeued.RescueCount));
        var failed = await host.JobAsync(usedUp);
        Assert.Equal((JobStatus.Failed, 3, null), (failed.Status, failed.RescueCount, failed.LeaseOwner));
        Assert.Equal("The job's worker stopped renewing its lease 4 times (Worker:MaxRescues = 3); it is not retried again. " +
            "Look for a replica that crashes on it (out of memory?).", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        var cancelled = await host.JobAsync(cancelling);
        Assert.Equal((JobStatus.Cancelled, (string?)null, 0), (cancelled.Status, cancelled.Error, cancelled.RescueCount));
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Null(await host.CheckpointEpochAsync(usedUp));
        Assert.Null(await host.CheckpointEpochAsync(cancelling));
        var untouched = await host.JobAsync(alive);
        Assert.Equal((JobStatus.Running, "replica/1", 2), (untouched.Status, untouched.LeaseOwner, await host.CheckpointEpochAsync(alive)));
    }

    [Fact]
    public async Task APauseRequestPausesAQueuedJobMarksARunningOneAndNamesWhyItCannotPauseTheRest()
    {
        await using var host = new StoreWithoutWorker();
        var queued = await host.AddJobAsync(JobStatus.Queued, j => j.EtaSeconds = 30);
        var running = await host.AddJobAsync(JobStatus.Running);
        var cancelling = await host.AddJobAsync(JobStatus.Running, j => j.CancelRequested = true);
        var paused = await host.AddJobAsync(JobStatus.Paused);
        var succeeded = await host.AddJobAsync(JobStatus.Succeeded);

        Assert.Equal(PauseOutcome.Paused, await host.Store.RequestPauseAsync(queued, CancellationToken.None));
        Assert.Equal(PauseOutcome.Requested, await host.Store.RequestPauseAsync(running, CancellationToken.None));
        Assert.Equal(PauseOutcome.NotPausable, await host.Store.RequestPauseAsync(cancelling, CancellationToken.None));
        Assert.Equal(PauseOutcome.AlreadyPaused, await host.Store.RequestPauseAsync(paused, CancellationToken.None));
        Assert.Equal(PauseOutcome.NotPausable, await host.Store.RequestPauseAsync(succeeded, CancellationToken.None));
        Assert.Equal(PauseOutcome.NotFound, await host.Store.RequestPauseAsync(Guid.NewGuid(), CancellationToken.None));

        var nowPaused = await host.JobAsync(queued);
        Assert.Equal((JobStatus.Paused, (double?)null, false), (nowPaused.Status, nowPaused.EtaSeconds, nowPaused.PauseRequested));
        var marked = await host.JobAsync(running);
        Assert.Equal((JobStatus.Running, true), (marked.Status, marked.PauseRequested));
        Assert.False((await host.JobAsync(cancelling)).PauseRequested);
    }

    [Fact]
    public async Task ResumingRequeuesOnlyAPausedJobAndAnswersTheStatusItHad()
    {
        await using var host = new StoreWithoutWorker();
        var paused = await host.AddJobAsync(JobStatus.Paused, j => (j.PauseRequested, j.Worker) = (true, "replica"));
        var succeeded = await host.AddJobAsync(JobStatus.Succeeded);

        Assert.Equal(JobStatus.Paused, await host.Store.ResumeAsync(paused, CancellationToken.None));
        Assert.Equal(JobStatus.Succeeded, await host.Store.ResumeAsync(succeeded, CancellationToken.None));
        Assert.Null(await host.Store.ResumeAsync(Guid.NewGuid(), CancellationToken.None));

        var resumed = await host.JobAsync(paused);
        Assert.Equal((JobStatus.Queued, false, (string?)null, 2), (resumed.Status, resumed.PauseRequested, resumed.Worker, resumed.CurrentEpoch));
        Assert.Equal(JobStatus.Succeeded, (await host.JobAsync(succeeded)).Status);
    }

    [Fact]
    public async Task ACancelEndsAQueuedOrPausedJobAtOnceMarksARunningOneAndLeavesFinishedOnesAlone()
    {
        await using var host = new StoreWithoutWorker();
        var queued = await host.AddJobAsync(JobStatus.Queued);
        var paused = await host.AddJobAsync(JobStatus.Paused);
        await host.AddCheckpointAsync(paused, 2);
        var running = await host.AddJobAsync(JobStatus.Running);
        await host.AddCheckpointAsync(running, 2);
        var failed = await host.AddJobAsync(JobStatus.Failed, j => j.Error = "boom");

        Assert.Equal(CancelOutcome.Cancelled, await host.Store.RequestCancelAsync(queued, CancellationToken.None));
        Assert.Equal(CancelOutcome.Cancelled, await host.Store.RequestCancelAsync(paused, CancellationToken.None));
        Assert.Equal(CancelOutcome.Requested, await host.Store.RequestCancelAsync(running, CancellationToken.None));
        Assert.Equal(CancelOutcome.AlreadyFinished, await host.Store.RequestCancelAsync(failed, CancellationToken.None));
        Assert.Equal(CancelOutcome.NotFound, await host.Store.RequestCancelAsync(Guid.NewGuid(), CancellationToken.None));

        foreach (var id in new[] { queued, paused })
        {
            var job = await host.JobAsync(id);
            Assert.Equal((JobStatus.Cancelled, true), (job.Status, job.CancelRequested));
            Assert.NotNull(job.FinishedAt);
        }
        Assert.Null(await host.CheckpointEpochAsync(paused));
        var marked = await host.JobAsync(running);
        Assert.Equal((JobStatus.Running, true, (DateTime?)null), (marked.Status, marked.CancelRequested, marked.FinishedAt));
        Assert.Equal(2, await host.CheckpointEpochAsync(running)); // its replica stops it; until then it may still checkpoint
        var stillFailed = await host.JobAsync(failed);
        Assert.Equal((JobStatus.Failed, false, "boom"), (stillFailed.Status, stillFailed.CancelRequested, stillFailed.Error));
    }

    [Theory]
    [InlineData(false, false, StopRequest.None)]
    [InlineData(true, false, StopRequest.Cancel)]
    [InlineData(false, true, StopRequest.Pause)]
    [InlineData(true, true, StopRequest.Cancel)]
    public async Task ARenewalSaysWhatTheUserAskedCancelBeforePause(bool cancel, bool pause, StopRequest expected)
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:LeaseDuration"] = "00:10:00" });
        var id = await host.AddJobAsync(JobStatus.Running, j => (j.CancelRequested, j.PauseRequested) = (cancel, pause));

        Assert.Equal(expected, await host.Store.RenewAsync(new JobLease(id, "replica/1"), extendLease: false, CancellationToken.None));
    }

    [Fact]
    public async Task ARenewalThatExtendsTheLeaseMovesItsExpiryToALeaseDurationFromNow()
    {
        await using var host = new StoreWithoutWorker(new() { ["Worker:LeaseDuration"] = "00:10:00" });
        var id = await host.AddJobAsync(JobStatus.Running, j => j.LeaseExpiresAt = DateTime.UtcNow.AddMinutes(1));
        var lease = new JobLease(id, "replica/1");

        Assert.Equal(StopRequest.None, await host.Store.RenewAsync(lease, extendLease: false, CancellationToken.None));
        var unextended = (await host.JobAsync(id)).LeaseExpiresAt!.Value;
        var before = DateTime.UtcNow;
        Assert.Equal(StopRequest.None, await host.Store.RenewAsync(lease, extendLease: true, CancellationToken.None));

        Assert.InRange(unextended, before, before.AddMinutes(1));
        Assert.InRange((await host.JobAsync(id)).LeaseExpiresAt!.Value, before.AddMinutes(10), DateTime.UtcNow.AddMinutes(10));
    }
}
