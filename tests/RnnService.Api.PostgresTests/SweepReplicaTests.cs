using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>A sweep on three service processes sharing one PostgreSQL database, one of them killed (SIGKILL) mid-sweep.</summary>
public sealed class SweepReplicaTests
{
    /// <summary>Four trials of a tiny us-names model (epochs of about half a second), one at a time, so that the undisturbed
    /// run takes every decision in the same order and the two runs can be compared trial by trial.</summary>
    private static object Names(string name) => new
    {
        task = "charlm", dataset = "us-names", name, seed = 9,
        hyperparameters = new { hiddenSize = 16, embeddingSize = 8 },
        space = new Dictionary<string, object> { ["learningRate"] = new { min = 0.002, max = 0.05, log = true } },
        minEpochs = 1, maxEpochs = 9, eta = 3,
        budget = new { maxTrials = 4, maxConcurrent = 1, maxSeconds = 600 },
    };

    [Fact]
    public async Task KillingAReplicaMidSweepLosesNoTrialPromotesNothingTwiceAndEndsWithTheTrialsOfAnUndisturbedRun()
    {
        using var set = await ReplicaSet.StartAsync(3);
        var disturbedId = (await set[0].Client.StartSweepAsync(Names("names-disturbed"))).Id();
        // Kill the replica that trains a trial with at least two epochs to go before its next stop.
        var job = await Poll.UntilAsync(async () =>
        {
            var page = await (await set[1].Client.GetAsync($"/jobs?sweep={disturbedId}&status=running")).OkJsonAsync();
            return page.GetProperty("items").EnumerateArray().FirstOrDefault(j =>
                j.GetProperty("pauseAtEpoch").ValueKind == JsonValueKind.Null
                    ? j.GetProperty("progress").GetProperty("totalEpochs").GetInt32() - j.Epoch() >= 3
                    : j.GetProperty("pauseAtEpoch").GetInt32() - j.Epoch() >= 2);
        }, j => j.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(180), "a trial with two epochs to go");
        var victim = set.ByName(job.GetProperty("worker").GetString()!);
        victim.Kill();
        var survivor = set.Replicas.First(r => r != victim);

        // The run to compare with starts once the victim is gone, so nothing disturbs it, and runs beside the rest of the
        // disturbed one: with one trial at a time, each sweep takes its decisions in its own order whatever runs beside it.
        var undisturbedId = (await survivor.Client.StartSweepAsync(Names("names-undisturbed"))).Id();
        var disturbed = await WaitForEndAsync(set, survivor.Client, disturbedId);
        var undisturbed = await WaitForEndAsync(set, survivor.Client, undisturbedId);

        Assert.True(disturbed.Status() == "succeeded", $"{disturbed}\n{set.Logs}");
        // No trial beyond the budget, none lost: four jobs, each ended (trained to the end, or cancelled at a rung).
        var jobs = await (await survivor.Client.GetAsync($"/jobs?sweep={disturbedId}")).OkJsonAsync();
        Assert.Equal(4, jobs.GetProperty("total").GetInt32());
        Assert.Equal(4, disturbed.GetProperty("trialsStarted").GetInt32());
        Assert.All(jobs.GetProperty("items").EnumerateArray(), j => Assert.Contains(j.Status(), new[] { "succeeded", "cancelled" }));
        Assert.Equal(1, (await (await survivor.Client.GetAsync($"/jobs/{job.Id()}")).OkJsonAsync()).GetProperty("rescues").GetInt32());
        // Each trial's epochs ran once, in order, and its rung metrics are those epochs' losses, each rung once.
        foreach (var trial in disturbed.Trials())
        {
            var metrics = await (await survivor.Client.GetAsync($"/jobs/{trial.Id("jobId")}/metrics")).OkJsonAsync();
            Assert.Equal(Enumerable.Range(1, trial.GetProperty("epoch").GetInt32()), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
            var rungEpochs = new[] { 1, 3, 9 }.Take(trial.GetProperty("rung").GetInt32() + 1);
            Assert.Equal(rungEpochs.Select(e => metrics[e - 1].GetProperty("validationLoss").GetDouble()),
                trial.GetProperty("rungMetrics").EnumerateArray().Select(m => m.GetDouble()));
        }
        // The same trials, decisions and result as the run nobody disturbed.
        Assert.Equal(Table(undisturbed), Table(disturbed));
        Assert.Equal(undisturbed.GetProperty("best").GetProperty("index").GetInt32(), disturbed.GetProperty("best").GetProperty("index").GetInt32());
        await (await survivor.Client.GetAsync("/models/names-disturbed@best")).OkJsonAsync();
    }

    private static List<string> Table(JsonElement sweep) =>
        sweep.Trials().Select(t => $"{t.GetProperty("index")} {t.GetProperty("point")} {t.Status()} {t.GetProperty("epoch")} {t.GetProperty("rungMetrics")}").ToList();

    private static Task<JsonElement> WaitForEndAsync(ReplicaSet set, HttpClient client, Guid id) =>
        set.WaitForEndAsync(client, $"/sweeps/{id}", TimeSpan.FromSeconds(240));
}
