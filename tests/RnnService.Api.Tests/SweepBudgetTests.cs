using Microsoft.EntityFrameworkCore;
using RnnService.Api.Jobs;

namespace RnnService.Api.Tests;

public sealed class SweepBudgetTests : ServiceTest
{
    [Fact]
    public async Task NoMoreThanMaxConcurrentTrialsAreEverQueuedOrRunningAtOnce()
    {
        var id = await StartBehindABlockerAsync();
        var mostActive = 0;
        await using var db = _factory.OpenDatabase();
        while ((await (await _client.GetAsync($"/sweeps/{id}")).OkJsonAsync()).Status() == "running")
        {
            var active = await db.TrainingJobs.CountAsync(j => j.SweepId == id && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running));
            mostActive = Math.Max(mostActive, active);
            await Task.Delay(20);
        }
        Assert.Equal(2, mostActive);
        Assert.Equal(9, await db.SweepTrials.CountAsync(t => t.SweepId == id));
    }

    [Fact]
    public async Task AfterMaxSecondsNoNewTrialStartsButTheSweepStillEndsWithAFullyTrainedModel()
    {
        var id = await StartBehindABlockerAsync(pauseFirst: true);
        // The sweep's time runs out while it is paused: once resumed it may finish its trials but start no other.
        await using (var db = _factory.OpenDatabase())
            await db.Sweeps.Where(s => s.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.MaxSeconds, 1).SetProperty(w => w.CreatedAt, DateTime.UtcNow.AddSeconds(-2)));
        var started = (await (await _client.GetAsync($"/sweeps/{id}")).OkJsonAsync()).GetProperty("trialsStarted").GetInt32();

        await (await _client.PostEmptyJsonAsync($"/sweeps/{id}/resume")).OkJsonAsync();
        var sweep = await _client.WaitForSweepEndAsync(id);

        Assert.True(sweep.Status() == "succeeded", sweep.ToString());
        Assert.InRange(started, 2, 8);
        Assert.Equal(started, sweep.GetProperty("trialsStarted").GetInt32());
        Assert.Equal(9, sweep.GetProperty("best").GetProperty("epoch").GetInt32());
    }

    /// <summary>A toy sweep (9 trials, 2 at a time) whose first two trials wait in the queue behind an endless job that holds
    /// the one worker, until the sweep is paused (when <paramref name="pauseFirst"/>) and the job cancelled: toy trials
    /// alone could end the whole sweep before the test's first look at it (seen under CI on a fast machine).</summary>
    private async Task<Guid> StartBehindABlockerAsync(bool pauseFirst = false)
    {
        var blocker = (await _client.TrainAsync(Jobs.Endless())).Id();
        await _client.WaitUntilAsync(blocker, j => j.Status() == "running");
        var id = (await _client.StartSweepAsync(Sweeps.Toy(maxTrials: 9, maxConcurrent: 2))).Id();
        await _client.WaitForSweepAsync(id, s => s.Trials().Count() == 2);
        if (pauseFirst) await (await _client.PostEmptyJsonAsync($"/sweeps/{id}/pause")).OkJsonAsync();
        (await _client.PostEmptyJsonAsync($"/jobs/{blocker}/cancel")).EnsureSuccessStatusCode();
        return id;
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameTrialsAndTheSameResultAnotherSeedOtherTrials()
    {
        async Task<List<string>> TrialsAsync(int seed, string name)
        {
            var sweep = await _client.WaitForSweepEndAsync((await _client.StartSweepAsync(Sweeps.Toy(maxTrials: 5, maxConcurrent: 1, seed, name))).Id());
            return sweep.Trials().Select(t => $"{t.GetProperty("point")} {t.GetProperty("rungMetrics")} {t.Status()}")
                .Append($"best {sweep.GetProperty("best").GetProperty("index")}").ToList();
        }
        var first = await TrialsAsync(5, "first");
        var second = await TrialsAsync(5, "second");
        var other = await TrialsAsync(6, "other");

        Assert.Equal(first, second);
        Assert.Equal(6, first.Count);
        Assert.NotEqual(first[0].Split(' ')[0], other[0].Split(' ')[0]);
    }

    [Fact]
    public async Task TheEstimateCountsTheEpochsOfEveryRungAndStartsNothing()
    {
        var estimate = await (await _client.PostJsonAsync("/sweeps/estimate", Sweeps.Toy())).OkJsonAsync();

        Assert.Equal([9, 3, 1], estimate.GetProperty("trialsPerRung").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal(9 * 1 + 3 * 2 + 1 * 6, estimate.GetProperty("totalEpochs").GetInt32());
        Assert.Equal(Math.Round(estimate.GetProperty("estimatedSecondsPerEpoch").GetDouble() * 21, 1), estimate.GetProperty("estimatedSeconds").GetDouble());
        Assert.Equal(0, (await (await _client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task OnlyATaskAndADatasetStartTheBuiltInSpaceWithTheDefaultBudget()
    {
        var sweep = await _client.StartSweepAsync(new { task = "sentiment", dataset = "toy-sentiment" });
        await (await _client.PostEmptyJsonAsync($"/sweeps/{sweep.Id()}/cancel")).OkJsonAsync();

        Assert.Equal(["hiddenSize", "learningRate", "pooling", "weightDecay"], sweep.GetProperty("space").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal((18, 1, 540), (sweep.GetProperty("budget").GetProperty("maxTrials").GetInt32(),
            sweep.GetProperty("budget").GetProperty("maxConcurrent").GetInt32(), sweep.GetProperty("budget").GetProperty("maxSeconds").GetInt32()));
        Assert.Equal(("toy-sentiment-sweep", "best", "asha", "loss"), (sweep.GetProperty("name").GetString(), sweep.GetProperty("alias").GetString(),
            sweep.GetProperty("scheduler").GetString(), sweep.GetProperty("objective").GetString()));
    }
}
