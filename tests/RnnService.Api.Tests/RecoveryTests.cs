using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Jobs;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

public sealed class RecoveryTests
{
    private const int Epochs = 60;

    [Fact]
    public async Task ASecondHostResumesAnInterruptedJobFromItsCheckpointAndKeepsFinishedModelsByteIdentical()
    {
        var folder = Directory.CreateTempSubdirectory("rnnservice-restart-").FullName;
        try
        {
            Guid modelId, jobId;
            byte[] weightsBefore;
            await using (var first = new RnnServiceFactory(folder: folder))
            {
                using var client = first.CreateClient();
                modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id())).Id("modelId");
                weightsBefore = await client.GetByteArrayAsync($"/models/{modelId}/weights");
                jobId = (await client.TrainAsync(new
                {
                    task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = Epochs, earlyStoppingPatience = Epochs },
                })).Id();
                await client.WaitUntilAsync(jobId, j => j.Epoch() >= 2);
            } // the first host stops mid-training (the 58 epochs left outlast its shutdown; with 10 left, an idle machine once finished them)

            // Make it look like a crash: still "running", under a lease nobody renews any more.
            int checkpointEpoch;
            Dictionary<int, double> secondsBefore;
            await using (var db = TestDatabase.Open(folder))
            {
                await db.TrainingJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Running)
                    .SetProperty(j => j.LeaseOwner, "crashed-host")
                    .SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
                checkpointEpoch = await db.Checkpoints.Where(c => c.JobId == jobId).Select(c => c.Epoch).SingleAsync();
                secondsBefore = await db.EpochMetrics.Where(m => m.JobId == jobId && m.Epoch <= checkpointEpoch)
                    .ToDictionaryAsync(m => m.Epoch, m => m.Seconds);
            }
            TestDatabase.ReleaseConnections();
            Assert.InRange(checkpointEpoch, 2, Epochs - 1);

            await using (var second = new RnnServiceFactory(folder: folder))
            {
                using var client = second.CreateClient();
                var job = await client.WaitForSuccessAsync(jobId, seconds: 120);

                Assert.Equal(checkpointEpoch, job.GetProperty("resumedFromEpoch").GetInt32());
                var metrics = await (await client.GetAsync($"/jobs/{jobId}/metrics")).OkJsonAsync();
                Assert.Equal(Enumerable.Range(1, Epochs), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
                // Epochs up to the checkpoint were not trained again: their rows are the first host's.
                foreach (var (epoch, seconds) in secondsBefore)
                    Assert.Equal(seconds, metrics[epoch - 1].GetProperty("seconds").GetDouble());

                Assert.Equal(weightsBefore, await client.GetByteArrayAsync($"/models/{modelId}/weights"));
                Assert.Equal(2, (await (await client.GetAsync("/models")).OkJsonAsync()).GetProperty("total").GetInt32());
                await using var db = second.OpenDatabase();
                Assert.False(await db.Checkpoints.AnyAsync(c => c.JobId == jobId));
                Assert.Equal(1, await db.Models.CountAsync(m => m.JobId == jobId));
            }
        }
        finally
        {
            TestDatabase.Delete(folder);
        }
    }

    [Fact]
    public async Task AWorkerThatLostItsLeaseStopsAndWritesNothingMore()
    {
        await using var factory = new RnnServiceFactory(new() { ["Worker:HeartbeatInterval"] = "00:00:00.200" });
        using var client = factory.CreateClient();
        var jobId = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(jobId, j => j.Epoch() >= 1);

        await using (var db = factory.OpenDatabase())
        {
            await db.TrainingJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.LeaseOwner, "another-host")
                .SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddHours(1)));
        }
        // The run notices at its next write or heartbeat and ends; after that nothing of it can write.
        var running = factory.Services.GetRequiredService<RunningJobs>();
        await Poll.UntilAsync(() => !running.IsRunning(jobId), TimeSpan.FromSeconds(20), "the run to notice it lost its lease");
        var epoch = (await (await client.GetAsync($"/jobs/{jobId}")).OkJsonAsync()).Epoch();

        var job = await (await client.GetAsync($"/jobs/{jobId}")).OkJsonAsync();
        Assert.Equal(("running", epoch), (job.Status(), job.Epoch()));
        await using (var db = factory.OpenDatabase())
        {
            Assert.Equal("another-host", await db.TrainingJobs.Where(j => j.Id == jobId).Select(j => j.LeaseOwner).SingleAsync());
            Assert.Equal(epoch, await db.EpochMetrics.Where(m => m.JobId == jobId).MaxAsync(m => m.Epoch));
            Assert.False(await db.Models.AnyAsync(m => m.JobId == jobId));
        }
        // The worker's slot is free again: the next job trains.
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id());
    }
}
