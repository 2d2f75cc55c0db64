using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;

namespace RnnService.Api.Tests;

/// <summary>A run's writes when the database refuses them: progress is retried on the next tick, with the epochs
/// waiting in the run's buffer; the one final write (JobRunner.EndAsync) is retried with a growing delay until the
/// lease would have expired, then left to the lease, so that another run takes the job over.</summary>
public sealed class JobWriteRetryTests
{
    private static RefusingCommits ModelCommits() => new(tracker => tracker.Entries<Model>().Any());

    private const string Retrying = "could not record that it succeeded (";
    private const string GivenUp = "its lease will expire";
    private const string LeaseLost = "lease lost";
    private const string ProgressRetrying = "progress not written";

    [Fact]
    public async Task ASuccessTheDatabaseRefusesForAMomentIsRetriedAndRecordedByTheSameRun()
    {
        var commit = ModelCommits();
        commit.Refuse(int.MaxValue);
        await using var service = new RnnServiceFactory(new() { ["Worker:LeaseDuration"] = "00:10:00" });
        var log = new LogRecorder("RnnService.Api.Training");
        await using var factory = WithFailingCommits(service, commit, log);
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id();

        await Poll.UntilAsync(() => commit.Refused >= 2, TimeSpan.FromSeconds(60), "two refused final writes");
        commit.Refuse(0);
        await client.WaitForSuccessAsync(id, seconds: 60);

        Assert.Equal(commit.Refused, Count(log, Retrying));
        Assert.Equal(0, Count(log, GivenUp));
        Assert.Equal(1, Count(log, $"Training job {id}"));
        var metrics = await (await client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
        Assert.Equal([1, 2], metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        await using var db = service.OpenDatabase();
        Assert.Equal(1, await db.Models.CountAsync(m => m.JobId == id));
    }

    [Fact]
    public async Task ARunGivesUpItsFinalWriteBeforeItsLeaseWouldExpireAndAnotherRunTakesTheJobOver()
    {
        // Worker:LeaseDuration 3 s: the writes are retried after 0.1, 0.2, 0.4 and 0.8 s, and the next wait (1.6 s) would
        // pass the deadline, so the run gives up after at most 4 retries (fewer on a slow machine, never more). The lease
        // expires a little later (at least 3 s after its last extension, 0.2 s or less before the end), and the
        // worker's rescue pass requeues the job.
        var commit = ModelCommits();
        commit.Refuse(int.MaxValue);
        await using var service = new RnnServiceFactory(new()
        {
            ["Worker:LeaseDuration"] = "00:00:03", ["Worker:HeartbeatInterval"] = "00:00:00.200",
        });
        var log = new LogRecorder("RnnService.Api.Training");
        await using var factory = WithFailingCommits(service, commit, log);
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id();

        await Poll.UntilAsync(() => Count(log, GivenUp) > 0, TimeSpan.FromSeconds(60), "the run to give up its final write");
        commit.Refuse(0);
        var retries = Count(log, Retrying);
        await client.WaitForSuccessAsync(id, seconds: 60);

        Assert.InRange(retries, 1, 4);
        Assert.Equal(retries + 1, commit.Refused);
        Assert.Equal(1, Count(log, GivenUp));
        Assert.Equal(0, Count(log, LeaseLost)); // the first run wrote nothing once it had given up
        Assert.Equal(2, Count(log, $"Training job {id}"));
        await using var db = service.OpenDatabase();
        Assert.Equal(1, await db.Models.CountAsync(m => m.JobId == id));
    }

    [Fact]
    public async Task AProgressWriteTheDatabaseRefusesIsRetriedOnTheNextTickAndEachOutageIsLoggedOnce()
    {
        var commit = new RefusingCommits(tracker => tracker.Entries<JobEpoch>().Any());
        await using var service = new RnnServiceFactory();
        var log = new LogRecorder("RnnService.Api.Training");
        await using var factory = WithFailingCommits(service, commit, log);
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(id, j => j.Epoch() >= 1);

        foreach (var outage in new[] { 1, 2 })
        {
            commit.Refuse(3);
            await Poll.UntilAsync(() => commit.Left == 0, TimeSpan.FromSeconds(60), $"outage {outage}'s three refused writes");
            var epoch = (await (await client.GetAsync($"/jobs/{id}")).OkJsonAsync()).Epoch();
            await client.WaitUntilAsync(id, j => j.Epoch() > epoch);
            Assert.Equal(outage, Count(log, ProgressRetrying));
        }

        await (await client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).OkJsonAsync();
        var cancelled = await client.WaitForJobAsync(id, TimeSpan.FromSeconds(60), "cancelled");
        // The refused epochs waited in the buffer and were written later: none is missing or written twice.
        var metrics = await (await client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, cancelled.Epoch()), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
    }

    private static int Count(LogRecorder log, string text) => log.Messages.Count(m => m.Contains(text, StringComparison.Ordinal));

    private static WebApplicationFactory<Program> WithFailingCommits(RnnServiceFactory service, RefusingCommits commit, LogRecorder log) =>
        service.WithWebHostBuilder(builder =>
        {
            builder.ConfigureLogging(logging => logging.AddProvider(log));
            builder.ConfigureTestServices(commit.AddTo);
        });
}
