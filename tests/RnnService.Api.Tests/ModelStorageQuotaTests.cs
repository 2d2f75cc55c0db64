using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

/// <summary>Limits:MaxStoredBytes at the end of a job and for paused jobs: a model is checked again when it is stored, and
/// checkpoints count. Checkpoints only at a pause (an hour apart otherwise), so the running job holds no room of its own.</summary>
public sealed class ModelStorageQuotaTests() : ServiceTest(new()
{
    ["Limits:MaxStoredBytes"] = Limit.ToString(), ["Worker:CheckpointInterval"] = "01:00:00",
})
{
    private const int Limit = 200_000;

    private static object Filler(string name, int bytes = Limit) =>
        new { name, task = "charlm", format = "text", content = string.Concat(Enumerable.Repeat("to be or not to be ", bytes / 19 + 1))[..bytes] };

    private async Task<long> PauseAsync(Guid job)
    {
        await _client.WaitUntilAsync(job, j => j.Status() == "running" && j.Epoch() >= 1);
        await (await _client.PostEmptyJsonAsync($"/jobs/{job}/pause")).OkJsonAsync();
        var running = _factory.Services.GetRequiredService<RunningJobs>();
        await Poll.UntilAsync(() => !running.IsRunning(job), TimeSpan.FromSeconds(10), "the paused run to end");
        await using var db = _factory.OpenDatabase();
        return (await db.Checkpoints.SingleAsync(c => c.JobId == job)).Bytes.Length;
    }

    [Fact]
    public async Task AJobWhoseModelNoLongerFitsWhenItFinishesFailsNamingWhatToDeleteAndStoresNothing()
    {
        var endless = (await _client.TrainAsync(Jobs.Endless())).Id();
        await _client.WaitUntilAsync(endless, j => j.Status() == "running");
        var queued = (await _client.TrainAsync(Jobs.Names(epochs: 1))).Id(); // fits when it is queued: nothing is stored yet
        await (await _client.PostJsonAsync("/datasets", Filler("filler"))).OkJsonAsync(HttpStatusCode.Created);

        await _client.PostEmptyJsonAsync($"/jobs/{endless}/cancel");
        var failed = await _client.WaitForJobAsync(queued, TimeSpan.FromSeconds(90), "failed", "succeeded");

        Assert.Equal("failed", failed.Status());
        var error = failed.GetProperty("error").GetString()!;
        Assert.StartsWith($"The trained model was not stored: The model of job {queued} needs ", error);
        Assert.Contains("200,000 of 200,000 bytes are stored (200,000 in datasets, 0 in models, 0 in unfinished jobs' checkpoints", error);
        Assert.Contains("DELETE /datasets/{name}", error);
        Assert.EndsWith("the largest: dataset filler (200,000 bytes).", error);
        await using var db = _factory.OpenDatabase();
        Assert.Equal((0, 0), (await db.Models.CountAsync(), await db.ModelWeights.CountAsync()));
        Assert.Empty(await db.Checkpoints.ToListAsync());
    }

    [Fact]
    public async Task APausedJobsCheckpointCountsAsStoredUntilTheJobIsCancelled()
    {
        var paused = (await _client.TrainAsync(Jobs.Endless())).Id();
        var checkpointBytes = await PauseAsync(paused);

        var full = await (await _client.PostJsonAsync("/datasets", Filler("filler"))).AssertProblemAsync(HttpStatusCode.InsufficientStorage);

        Assert.Equal(checkpointBytes, full.GetProperty("storedBytes").GetInt64());
        var largest = full.GetProperty("largest")[0];
        Assert.Equal(("checkpoint", paused.ToString(), checkpointBytes),
            (largest.GetProperty("kind").GetString(), largest.GetProperty("reference").GetString(), largest.GetProperty("bytes").GetInt64()));
        Assert.Contains("cancel paused jobs (POST /jobs/{id}/cancel)", full.GetProperty("detail").GetString());

        await _client.PostEmptyJsonAsync($"/jobs/{paused}/cancel");
        await (await _client.PostJsonAsync("/datasets", Filler("filler"))).OkJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task AResumedJobsModelTakesTheRoomOfItsOwnCheckpoint()
    {
        // 60 epochs (about 3 s) without early stopping, so the pause lands seconds before the end: in JobPauseTests a
        // 12-epoch job of this kind once ended before the pause request, under CI on a fast machine.
        var names = new
        {
            task = "charlm", dataset = "us-names",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 60, earlyStoppingPatience = 0 },
        };
        // The same job's model, once, for its size (its metadata, the training lines' hashes included, outweighs the checkpoint).
        var sample = (await _client.WaitForSuccessAsync((await _client.TrainAsync(names)).Id())).Id("modelId");
        int modelBytes;
        await using (var db = _factory.OpenDatabase())
            modelBytes = (await db.ModelWeights.SingleAsync(w => w.ModelId == sample)).Bytes.Length;
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/models/{sample}")).StatusCode);
        var job = (await _client.TrainAsync(names)).Id();
        var checkpointBytes = await PauseAsync(job);
        // Room for the model (give or take 100 bytes of metrics in its metadata), not for it and the checkpoint too.
        Assert.InRange(checkpointBytes, 101, modelBytes);
        await (await _client.PostJsonAsync("/datasets", Filler("filler", Limit - modelBytes - 100))).OkJsonAsync(HttpStatusCode.Created);

        await (await _client.PostEmptyJsonAsync($"/jobs/{job}/resume")).OkJsonAsync();

        await _client.WaitForSuccessAsync(job);
        await using var after = _factory.OpenDatabase();
        Assert.Empty(await after.Checkpoints.ToListAsync());
    }
}
