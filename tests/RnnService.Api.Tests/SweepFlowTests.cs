using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Tests;

public sealed class SweepFlowTests : ServiceTest
{
    [Fact]
    public async Task NineTrialsWithEtaThreeSendThreeToTheMiddleRungOneToTheEndAndRegisterItsModelAsBest()
    {
        var started = await _client.StartSweepAsync(Sweeps.Toy());
        Assert.Equal([1, 3, 9], started.GetProperty("rungs").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Equal(2, started.GetProperty("trialsStarted").GetInt32());

        var sweep = await _client.WaitForSweepEndAsync(started.Id());

        Assert.Equal("succeeded", sweep.Status());
        Assert.Equal(9, sweep.GetProperty("trialsStarted").GetInt32());
        Assert.Equal([9, 3, 1], sweep.TrialsPerRung());
        var best = sweep.GetProperty("best");
        Assert.Equal(2, best.GetProperty("rung").GetInt32());
        Assert.Equal("succeeded", best.Status());
        Assert.Equal("toy-search@best", sweep.GetProperty("model").GetString());
        var model = await (await _client.GetAsync("/models/toy-search@best")).OkJsonAsync();
        Assert.Equal(sweep.Id("modelId"), model.Id());
        Assert.Equal(1, model.GetProperty("version").GetInt32());
        var history = await (await _client.GetAsync("/models/toy-search/history")).OkJsonAsync();
        Assert.Equal(("best", 1), (history.GetProperty("aliasChanges")[0].GetProperty("alias").GetString(),
            history.GetProperty("aliasChanges")[0].GetProperty("version").GetInt32()));

        // Trials waiting at a rung when the sweep ended were cancelled and their checkpoints freed.
        Assert.Equal(8, sweep.Trials().Count(t => t.Status() == "cancelled"));
        await using var db = _factory.OpenDatabase();
        Assert.Equal(0, await db.Checkpoints.CountAsync());
    }

    [Fact]
    public async Task APromotedTrialResumesFromItsRungCheckpointAndIsNeverTrainedFromTheStart()
    {
        var sweep = await _client.WaitForSweepEndAsync((await _client.StartSweepAsync(Sweeps.Toy())).Id());
        var best = sweep.GetProperty("best");

        var job = await (await _client.GetAsync($"/jobs/{best.Id("jobId")}")).OkJsonAsync();
        Assert.Equal(3, job.GetProperty("resumedFromEpoch").GetInt32());
        var epochs = await (await _client.GetAsync($"/jobs/{best.Id("jobId")}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, 9), epochs.EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));
        // Its rung metrics are its validation losses at epochs 1, 3 and 9.
        Assert.Equal(new[] { 1, 3, 9 }.Select(e => epochs[e - 1].GetProperty("validationLoss").GetDouble()),
            best.GetProperty("rungMetrics").EnumerateArray().Select(m => m.GetDouble()));
    }

    [Fact]
    public async Task TrialsAreListedAsJobsOfTheSweep()
    {
        var sweep = await _client.WaitForSweepEndAsync((await _client.StartSweepAsync(Sweeps.Toy(maxTrials: 3))).Id());
        var jobs = await (await _client.GetAsync($"/jobs?sweep={sweep.Id()}&pageSize=100")).OkJsonAsync();

        Assert.Equal(3, jobs.GetProperty("total").GetInt32());
        Assert.Equal(sweep.Trials().Select(t => t.Id("jobId")).Order(), jobs.GetProperty("items").EnumerateArray().Select(j => j.Id()).Order());
        Assert.All(jobs.GetProperty("items").EnumerateArray(), j => Assert.Equal(sweep.Id(), j.Id("sweepId")));
    }

    [Fact]
    public async Task AnAutoSweepsFirstTrialIsTheJobPostTrainWouldRunSoItsBestIsNeverWorseOnValidation()
    {
        // The built-in space (no "space"), over a tiny base; the base's point is outside the space (hidden 8).
        var train = new { task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { embeddingSize = 8, hiddenSize = 8, pretrainedEmbeddings = "none", batchSize = 8 } };
        var request = new { train.task, train.dataset, train.hyperparameters, maxEpochs = 3, budget = new { maxTrials = 4 } };
        var asJob = await (await _client.PostJsonAsync("/train/estimate", train)).OkJsonAsync();
        var estimate = await (await _client.PostJsonAsync("/sweeps/estimate", request)).OkJsonAsync();
        Assert.Equal(asJob.GetProperty("hyperparameters").ToString(), estimate.GetProperty("firstTrial").ToString());
        // Trial 0 at its epoch ceiling, then three trials on rungs 1 and 3: 3 × 1 + 1 × 2 epochs.
        Assert.Equal(asJob.GetProperty("hyperparameters").GetProperty("epochs").GetInt32() + 5, estimate.GetProperty("totalEpochs").GetInt32());

        var sweep = await _client.WaitForSweepEndAsync((await _client.StartSweepAsync(request)).Id());

        Assert.Equal("succeeded", sweep.Status());
        var first = sweep.Trials().First(t => t.GetProperty("index").GetInt32() == 0);
        Assert.Equal(asJob.GetProperty("hyperparameters").ToString(), first.GetProperty("hyperparameters").ToString());
        Assert.True(first.GetProperty("hyperparameters").GetProperty("earlyStoppingPatience").GetInt32() > 0, first.ToString());
        Assert.Equal(8, first.GetProperty("point").GetProperty("hiddenSize").GetInt32());
        var job = await (await _client.GetAsync($"/jobs/{first.Id("jobId")}")).OkJsonAsync();
        Assert.Equal(JsonValueKind.Null, job.GetProperty("pauseAtEpoch").ValueKind);
        // Its last rung is its kept model's validation loss (early stopping's best epoch), and the best trial's is no worse.
        var epochs = await (await _client.GetAsync($"/jobs/{first.Id("jobId")}/metrics")).OkJsonAsync();
        var kept = epochs.EnumerateArray().Single(e => e.GetProperty("epoch").GetInt32() == job.GetProperty("bestEpoch").GetInt32());
        Assert.Equal(2, first.GetProperty("rungMetrics").GetArrayLength()); // rungs at 1 and 3 epochs
        Assert.Equal(kept.GetProperty("validationLoss").GetDouble(), first.GetProperty("metric").GetDouble());
        Assert.True(sweep.GetProperty("best").GetProperty("metric").GetDouble() <= first.GetProperty("metric").GetDouble(), sweep.ToString());
    }
}
