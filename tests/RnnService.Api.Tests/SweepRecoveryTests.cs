using Microsoft.EntityFrameworkCore;
using RnnService.Api.Jobs;

namespace RnnService.Api.Tests;

public sealed class SweepRecoveryTests
{
    [Fact]
    public async Task AHostKilledInsideARungsDecisionLeavesNothingAndTheNextHostEndsWithTheTrialsOfAnUndisturbedRun()
    {
        var folder = Directory.CreateTempSubdirectory("rnnservice-sweep-crash-").FullName;
        try
        {
            Guid sweepId, firstJob;
            List<Guid> blockers;
            // One worker slot, held by an endless job while the sweep queues trial 0 and a second endless job is queued
            // behind it; then the first is cancelled. Trial 1 is made only when trial 0 reaches its rung, after the
            // second endless job, and the worker takes the oldest queued job: so trial 0 stays paused at its rung however
            // slowly this test polls (it used to race the sweep to its end on a loaded machine).
            await using (var first = new RnnServiceFactory(new() { ["Worker:MaxConcurrentJobs"] = "1" }, folder))
            {
                using var client = first.CreateClient();
                blockers = [(await client.TrainAsync(Jobs.Endless())).Id()];
                await client.WaitForJobAsync(blockers[0], TimeSpan.FromSeconds(120), "running");
                sweepId = (await client.StartSweepAsync(Sweeps.Toy(maxTrials: 5, maxConcurrent: 1, name: "crashed"))).Id();
                blockers.Add((await client.TrainAsync(Jobs.Endless())).Id());
                (await client.PostEmptyJsonAsync($"/jobs/{blockers[0]}/cancel")).EnsureSuccessStatusCode();
                var reported = await client.WaitForSweepAsync(sweepId, s => s.Trials().First().Status() == "paused");
                firstJob = reported.Trials().First().Id("jobId");
                await client.WaitForJobAsync(blockers[1], TimeSpan.FromSeconds(120), "running");
                Assert.Equal("paused", (await (await client.GetAsync($"/sweeps/{sweepId}")).OkJsonAsync()).Trials().First().Status());
            }

            // Roll the database back to the moment the only host died inside trial 0's rung transaction: the rung's
            // checkpoint is written, the pause and every decision after it are not (trial 0 still "running" under a
            // dead lease, no rung metric, no trial 1, no endless jobs).
            await using (var db = TestDatabase.Open(folder))
            {
                var later = await db.SweepTrials.Where(t => t.SweepId == sweepId && t.Index > 0).Select(t => t.JobId).ToListAsync();
                later.AddRange(blockers);
                await db.SweepTrials.Where(t => t.SweepId == sweepId && t.Index > 0).ExecuteDeleteAsync();
                await db.Checkpoints.Where(c => later.Contains(c.JobId)).ExecuteDeleteAsync();
                await db.EpochMetrics.Where(m => later.Contains(m.JobId)).ExecuteDeleteAsync();
                await db.TrainingJobs.Where(j => later.Contains(j.Id)).ExecuteDeleteAsync();
                await db.SweepTrials.Where(t => t.SweepId == sweepId).ExecuteUpdateAsync(s => s.SetProperty(t => t.RungMetricsJson, "[]"));
                await db.TrainingJobs.Where(j => j.Id == firstJob).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.LeaseOwner, "killed-host")
                    .SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
                Assert.Equal(1, await db.Checkpoints.Where(c => c.JobId == firstJob).Select(c => c.Epoch).SingleAsync());
            }
            TestDatabase.ReleaseConnections();

            await using var second = new RnnServiceFactory(folder: folder);
            using var survivor = second.CreateClient();
            var recovered = await survivor.WaitForSweepEndAsync(sweepId);
            var undisturbed = await survivor.WaitForSweepEndAsync((await survivor.StartSweepAsync(Sweeps.Toy(maxTrials: 5, maxConcurrent: 1, name: "calm"))).Id());

            Assert.Equal("succeeded", recovered.Status());
            Assert.Equal(Table(undisturbed), Table(recovered));
            var job = await (await survivor.GetAsync($"/jobs/{firstJob}")).OkJsonAsync();
            Assert.Equal(1, job.GetProperty("rescues").GetInt32());
            // The rescued trial paused at its rung without training past it: each of its epochs has one row.
            var epochs = await (await survivor.GetAsync($"/jobs/{firstJob}/metrics")).OkJsonAsync();
            Assert.Equal(Enumerable.Range(1, job.Epoch()), epochs.EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));
        }
        finally
        {
            TestDatabase.Delete(folder);
        }
    }

    [Fact]
    public async Task ASweepWhoseOnlyTrialEndsInARescuePassGoesOnToItsNextTrial()
    {
        var folder = Directory.CreateTempSubdirectory("rnnservice-sweep-rescue-").FullName;
        try
        {
            Guid sweepId, trial0, blocker;
            // One worker slot, held by an endless job to the end of this host, so the sweep's first trial stays queued
            // and no second trial is made.
            await using (var first = new RnnServiceFactory(new() { ["Worker:MaxConcurrentJobs"] = "1" }, folder))
            {
                using var client = first.CreateClient();
                blocker = (await client.TrainAsync(Jobs.Endless())).Id();
                await client.WaitForJobAsync(blocker, TimeSpan.FromSeconds(120), "running");
                sweepId = (await client.StartSweepAsync(Sweeps.Toy(maxTrials: 2, maxConcurrent: 1, name: "rescued"))).Id();
                trial0 = (await client.WaitForSweepAsync(sweepId, s => s.Trials().Count() == 1)).Trials().Single().Id("jobId");
            }

            // The sweep's only trial as a crashed replica left it: running under a dead lease, its cancel pending. The
            // blocker goes, so that the next host's worker is free.
            await using (var db = TestDatabase.Open(folder))
            {
                Assert.Equal(1, await db.SweepTrials.CountAsync(t => t.SweepId == sweepId));
                await db.Checkpoints.Where(c => c.JobId == blocker).ExecuteDeleteAsync();
                await db.EpochMetrics.Where(m => m.JobId == blocker).ExecuteDeleteAsync();
                await db.TrainingJobs.Where(j => j.Id == blocker).ExecuteDeleteAsync();
                await db.TrainingJobs.Where(j => j.Id == trial0).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.CancelRequested, true)
                    .SetProperty(j => j.LeaseOwner, "killed-host").SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
            }
            TestDatabase.ReleaseConnections();

            // The rescue pass cancels the trial and steps its sweep in the same transaction: nothing else would.
            await using var second = new RnnServiceFactory(folder: folder);
            using var survivor = second.CreateClient();
            var ended = await survivor.WaitForSweepEndAsync(sweepId, seconds: 60);

            Assert.Equal(["cancelled", "succeeded"], ended.Trials().Select(t => t.Status()));
            Assert.Equal("succeeded", ended.Status());
        }
        finally
        {
            TestDatabase.Delete(folder);
        }
    }

    private static List<string> Table(System.Text.Json.JsonElement sweep) =>
        sweep.Trials().Select(t => $"{t.GetProperty("index")} {t.GetProperty("point")} {t.Status()} {t.GetProperty("epoch")} {t.GetProperty("rungMetrics")}")
            .Append($"best {sweep.GetProperty("best").GetProperty("index")}").ToList();
}
