using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

/// <summary>Worker:WarmUp (on by default, off in the other tests' hosts): the worker runs the engine once before its first
/// claim, /health answers 503 until then, and the warm-up leaves nothing behind.</summary>
public sealed class WorkerWarmUpTests
{
    private static readonly Dictionary<string, string?> WarmUpOn = new() { ["Worker:WarmUp"] = "true" };

    [Fact]
    public async Task HealthAnswers503WarmingUpWhileTheWorkerHasNotWarmedUp()
    {
        // Without its worker loop the replica never finishes warming up: /health must keep saying so.
        await using var service = new RnnServiceFactory(WarmUpOn);
        await using var factory = service.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Remove(services.Single(d => d.ImplementationType == typeof(TrainingWorker)))));
        using var client = factory.CreateClient();

        var problem = await (await client.GetAsync("/health")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(problem.GetProperty("warmingUp").GetBoolean());
        Assert.True(problem.GetProperty("database").GetBoolean());
        Assert.True(problem.GetProperty("worker").GetBoolean());
        Assert.Contains("warming up", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TheWorkerWarmsUpBeforeItsFirstClaimThenTurnsHealthyAndLeavesNoRowsBehind()
    {
        var log = new LogRecorder("RnnService.Api.Training");
        await using var service = new RnnServiceFactory(WarmUpOn);
        await using var factory = service.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(log)));
        using var client = factory.CreateClient();

        // Queued at once: it waits for the warm-up, then trains as usual.
        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 3))).GetProperty("id").GetGuid();
        var job = await client.WaitForSuccessAsync(id);
        Assert.Equal(3, job.GetProperty("progress").GetProperty("epoch").GetInt32());

        var health = await Poll.UntilAsync(async () => (await client.GetAsync("/health")).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "a healthy /health");
        Assert.Equal(HttpStatusCode.OK, health);

        var messages = log.Messages;
        int warmedUp = messages.ToList().FindIndex(m => m.StartsWith("Engine warmed up in ", StringComparison.Ordinal));
        int training = messages.ToList().FindIndex(m => m.StartsWith($"Training job {id}", StringComparison.Ordinal));
        Assert.True(warmedUp >= 0, string.Join('\n', messages));
        Assert.True(training > warmedUp, string.Join('\n', messages));

        await using var db = service.OpenDatabase();
        Assert.Equal([id], await db.TrainingJobs.Select(j => j.Id).ToListAsync());
        Assert.Equal([id], await db.Models.Select(m => m.JobId).ToListAsync());
        Assert.Equal(3, await db.EpochMetrics.CountAsync());
    }
}
