using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Tests;

public sealed class JobClaimTests
{
    [Fact]
    public async Task TwoHostsOnOneDatabaseClaimingTwoJobsEachTrainEveryQueuedJobExactlyOnce()
    {
        var settings = new Dictionary<string, string?> { ["Worker:MaxConcurrentJobs"] = "2" };
        await using var first = new RnnServiceFactory(settings);
        await using var second = new RnnServiceFactory(settings, first.Folder);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        // Both hosts' workers race for the same rows as the jobs arrive, alternately through either host.
        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
            ids.Add((await (i % 2 == 0 ? firstClient : secondClient).TrainAsync(Jobs.Sentiment(epochs: 3))).Id());
        foreach (var id in ids) await firstClient.WaitForSuccessAsync(id);

        await using var db = first.OpenDatabase();
        var jobs = await db.TrainingJobs.Where(j => ids.Contains(j.Id)).ToListAsync();
        Assert.Equal(8, jobs.Count);
        // A job claimed twice would have been trained twice: two models, or a rescue, or epochs written twice.
        Assert.All(jobs, j => Assert.Equal((3, 0, null, null), (j.CurrentEpoch, j.RescueCount, j.LeaseOwner, j.ResumedFromEpoch)));
        Assert.All(jobs, j => Assert.NotNull(j.Worker));
        Assert.Equal(8, await db.Models.CountAsync(m => ids.Contains(m.JobId)));
        var epochRows = await db.EpochMetrics.Where(m => ids.Contains(m.JobId)).GroupBy(m => m.JobId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(Enumerable.Repeat(3, 8), epochRows);
    }
}
