using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

public sealed class JobPauseTests
{
    /// <summary>Short epochs, and enough of them that a pause lands well before the end; a fixed seed, so two runs can be
    /// compared.</summary>
    // h64: at h16 the twelve epochs once ended between two polls of the test, before it could see the job running (after
    // char-model training got faster), and its wait for a running job timed out. 30 epochs: at 12, on a faster machine
    // under CI's load, the job once succeeded between the poll that saw its first epoch and the pause request. Early stopping
    // is off: it ends this run at epoch 15.
    private const int Epochs = 30;

    private static object SeededNames() =>
        new
        {
            task = "charlm", dataset = "us-names",
            hyperparameters = new { hiddenSize = 64, embeddingSize = 8, epochs = Epochs, earlyStoppingPatience = 0, seed = 11 },
        };

    [Fact]
    public async Task APausedJobFreesTheWorkerAndOnceResumedEndsWithTheWeightsOfAnUninterruptedRun()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var paused = (await client.TrainAsync(SeededNames())).Id();
        await client.WaitUntilAsync(paused, j => j.Status() == "running" && j.Epoch() >= 1);

        var pause = await (await client.PostEmptyJsonAsync($"/jobs/{paused}/pause")).OkJsonAsync();
        Assert.Equal("paused", pause.Status());
        var stoppedAt = pause.Epoch();
        Assert.InRange(stoppedAt, 1, Epochs - 1);
        var running = factory.Services.GetRequiredService<RunningJobs>();
        await Poll.UntilAsync(() => !running.IsRunning(paused), TimeSpan.FromSeconds(10), "the paused run to end");
        await using (var db = factory.OpenDatabase())
            Assert.Equal(stoppedAt, (await db.Checkpoints.SingleAsync(c => c.JobId == paused)).Epoch);

        // The worker is free: a second job with the same settings runs to the end while the first waits.
        var uninterrupted = await client.WaitForSuccessAsync((await client.TrainAsync(SeededNames())).Id());
        var stillPaused = await (await client.GetAsync($"/jobs/{paused}")).OkJsonAsync();
        Assert.Equal(("paused", stoppedAt), (stillPaused.Status(), stillPaused.Epoch()));

        var resumed = await (await client.PostEmptyJsonAsync($"/jobs/{paused}/resume")).OkJsonAsync();
        Assert.Contains(resumed.Status(), new[] { "queued", "running" });
        var finished = await client.WaitForSuccessAsync(paused);
        Assert.Equal(stoppedAt, finished.GetProperty("resumedFromEpoch").GetInt32());
        Assert.Equal(Epochs, (await (await client.GetAsync($"/jobs/{paused}/metrics")).OkJsonAsync()).GetArrayLength());

        var expected = await client.GetByteArrayAsync($"/models/{uninterrupted.Id("modelId")}/weights");
        var actual = await client.GetByteArrayAsync($"/models/{finished.Id("modelId")}/weights");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task AQueuedJobIsPausedAtOnceAndRunsAfterItIsResumed()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var endless = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(endless, j => j.Status() == "running");
        var waiting = (await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id();

        var paused = await (await client.PostEmptyJsonAsync($"/jobs/{waiting}/pause")).OkJsonAsync();
        Assert.Equal("paused", paused.Status());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, paused.GetProperty("startedAt").ValueKind);
        var again = await (await client.PostEmptyJsonAsync($"/jobs/{waiting}/pause")).OkJsonAsync();
        Assert.Equal("paused", again.Status());
        var listed = await (await client.GetAsync("/jobs?status=paused")).OkJsonAsync();
        Assert.Equal([waiting], listed.GetProperty("items").EnumerateArray().Select(j => j.Id()));

        Assert.Equal("queued", (await (await client.PostEmptyJsonAsync($"/jobs/{waiting}/resume")).OkJsonAsync()).Status());
        Assert.Equal("cancelled", (await (await client.PostEmptyJsonAsync($"/jobs/{endless}/cancel")).OkJsonAsync()).Status());
        await client.WaitForSuccessAsync(waiting);
    }

    [Fact]
    public async Task PausingAFinishedJobOrResumingOneThatIsNotPausedIsAConflictNamingTheId()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var finished = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id())).Id();
        var pause = await (await client.PostEmptyJsonAsync($"/jobs/{finished}/pause")).AssertProblemAsync(HttpStatusCode.Conflict, "id");
        Assert.Contains("succeeded", pause.GetProperty("detail").GetString());
        await (await client.PostEmptyJsonAsync($"/jobs/{finished}/resume")).AssertProblemAsync(HttpStatusCode.Conflict, "id");

        var endless = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(endless, j => j.Status() == "running");
        var resume = await (await client.PostEmptyJsonAsync($"/jobs/{endless}/resume")).AssertProblemAsync(HttpStatusCode.Conflict, "id");
        Assert.Contains("running", resume.GetProperty("detail").GetString());
        await (await client.PostEmptyJsonAsync($"/jobs/{Guid.NewGuid()}/pause")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostEmptyJsonAsync($"/jobs/{Guid.NewGuid()}/resume")).AssertProblemAsync(HttpStatusCode.NotFound);

        // A paused job can still be cancelled, and is then finished for good.
        Assert.Equal("paused", (await (await client.PostEmptyJsonAsync($"/jobs/{endless}/pause")).OkJsonAsync()).Status());
        Assert.Equal("cancelled", (await (await client.PostEmptyJsonAsync($"/jobs/{endless}/cancel")).OkJsonAsync()).Status());
        await (await client.PostEmptyJsonAsync($"/jobs/{endless}/resume")).AssertProblemAsync(HttpStatusCode.Conflict, "id");
    }
}
