using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

/// <summary>Worker:WarmUp (on by default, off in the other tests' hosts): the worker runs the engine's warm-up before its
/// first claim, /health answers 503 until it ends, a warm-up that fails still leaves a working replica, and the warm-up
/// stores nothing.</summary>
public sealed class WorkerWarmUpTests
{
    private static readonly Dictionary<string, string?> WarmUpOn = new() { ["Worker:WarmUp"] = "true" };

    /// <summary>A warm-up that waits until the test lets it go, or fails.</summary>
    private sealed class TestWarmUp(ManualResetEventSlim? hold = null, bool fail = false) : WorkerWarmUp
    {
        public override void Run(CancellationToken cancellationToken)
        {
            if (hold is not null && !hold.Wait(TimeSpan.FromSeconds(60), cancellationToken)) throw new TimeoutException("Never let go.");
            if (fail) throw new InvalidOperationException("warm-up planted to fail");
        }
    }

    private static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> With(RnnServiceFactory service, WorkerWarmUp warmUp, LogRecorder? log = null) =>
        service.WithWebHostBuilder(builder =>
        {
            builder.ConfigureTestServices(services => services.AddSingleton(warmUp));
            if (log is not null) builder.ConfigureLogging(logging => logging.AddProvider(log));
        });

    [Fact]
    public async Task UntilTheWarmUpEndsHealthAnswers503WarmingUpAndQueuedJobsWait()
    {
        using var hold = new ManualResetEventSlim();
        await using var service = new RnnServiceFactory(WarmUpOn);
        await using var factory = With(service, new TestWarmUp(hold));
        using var client = factory.CreateClient();

        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 2))).GetProperty("id").GetGuid();
        var problem = await (await client.GetAsync("/health")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(problem.GetProperty("warmingUp").GetBoolean());
        Assert.True(problem.GetProperty("database").GetBoolean());
        Assert.True(problem.GetProperty("worker").GetBoolean());
        Assert.Contains("warming up", problem.GetProperty("detail").GetString());
        await Task.Delay(500);   // five polls of the worker (Worker:PollInterval 100 ms in tests)
        Assert.Equal("queued", (await (await client.GetAsync($"/jobs/{id}")).OkJsonAsync()).GetProperty("status").GetString());

        hold.Set();
        await client.WaitForSuccessAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task AWarmUpThatFailsIsLoggedAndTheReplicaTurnsHealthyAndTrains()
    {
        var log = new LogRecorder("RnnService.Api.Training");
        await using var service = new RnnServiceFactory(WarmUpOn);
        await using var factory = With(service, new TestWarmUp(fail: true), log);
        using var client = factory.CreateClient();

        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 2))).GetProperty("id").GetGuid();
        await client.WaitForSuccessAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Contains(log.Messages, m => m.StartsWith("The engine's warm-up failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheEnginesWarmUpRunsBeforeTheFirstClaimAndStoresNothing()
    {
        var log = new LogRecorder("RnnService.Api.Training");
        await using var service = new RnnServiceFactory(WarmUpOn);
        await using var factory = service.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(log)));
        using var client = factory.CreateClient();

        // Queued at once: it waits for the warm-up, then trains as usual.
        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 3))).GetProperty("id").GetGuid();
        var job = await client.WaitForSuccessAsync(id);
        Assert.Equal(3, job.GetProperty("progress").GetProperty("epoch").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        var messages = log.Messages.ToList();
        int warmedUp = messages.FindIndex(m => m.StartsWith("Engine warmed up in ", StringComparison.Ordinal));
        int training = messages.FindIndex(m => m.StartsWith($"Training job {id}", StringComparison.Ordinal));
        Assert.True(warmedUp >= 0, string.Join('\n', messages));
        Assert.True(training > warmedUp, string.Join('\n', messages));

        // The warm-up's models live in memory only: the job is the only one stored, with its own model and epochs.
        await using var db = service.OpenDatabase();
        Assert.Equal([id], await db.TrainingJobs.Select(j => j.Id).ToListAsync());
        Assert.Equal([id], await db.Models.Select(m => m.JobId).ToListAsync());
        Assert.Equal(3, await db.EpochMetrics.CountAsync());
    }
}
