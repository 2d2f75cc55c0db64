using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

public sealed class JobControlTests
{
    [Fact]
    public async Task CancellingARunningJobStopsItAndCancellingItAgainIsAConflict()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(id, j => j.Status() == "running" && j.Epoch() >= 1);

        var cancelled = await (await client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).OkJsonAsync();

        Assert.Equal("cancelled", cancelled.Status());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("modelId").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, cancelled.GetProperty("finishedAt").ValueKind);
        var stoppedAt = cancelled.Epoch();
        // The run wrote "cancelled" itself and then ended: nothing of it can write after that.
        var running = factory.Services.GetRequiredService<RunningJobs>();
        await Poll.UntilAsync(() => !running.IsRunning(id), TimeSpan.FromSeconds(10), "the cancelled run to end");
        var later = await (await client.GetAsync($"/jobs/{id}")).OkJsonAsync();
        Assert.Equal(("cancelled", stoppedAt), (later.Status(), later.Epoch()));
        Assert.Equal(0, (await (await client.GetAsync("/models")).OkJsonAsync()).GetProperty("total").GetInt32());

        var again = await (await client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("cancelled", again.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AQueuedJobIsCancelledAtOnceAndAFinishedJobCannotBeCancelled()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var running = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(running, j => j.Status() == "running");
        var queued = await client.TrainAsync(Jobs.Sentiment(epochs: 1));
        Assert.Equal("queued", (await (await client.GetAsync($"/jobs/{queued.Id()}")).OkJsonAsync()).Status());

        var cancelled = await (await client.PostEmptyJsonAsync($"/jobs/{queued.Id()}/cancel")).OkJsonAsync();
        Assert.Equal("cancelled", cancelled.Status());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("startedAt").ValueKind);

        Assert.Equal("cancelled", (await (await client.PostEmptyJsonAsync($"/jobs/{running}/cancel")).OkJsonAsync()).Status());
        var finished = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id());
        await (await client.PostEmptyJsonAsync($"/jobs/{finished.Id()}/cancel")).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AJobPastItsTimeLimitFailsSaysWhyAndStoresNoModel()
    {
        await using var factory = new RnnServiceFactory(new() { ["Worker:JobTimeLimit"] = "00:00:01", ["Worker:RefuseOverTimeLimit"] = "false" });
        // POST /train would refuse the job on its estimate; the limit at run time is what this checks.
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Endless())).Id();

        var job = await client.WaitForJobAsync(id, TimeSpan.FromSeconds(30), "failed", "succeeded", "cancelled");

        Assert.Equal("failed", job.Status());
        Assert.Contains("time limit", job.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("modelId").ValueKind);
    }

    [Fact]
    public async Task BeyondMaxQueuedJobsTrainingIsA429WithRetryAfterAndNoRowIsWritten()
    {
        await using var factory = new RnnServiceFactory(new() { ["Worker:MaxQueuedJobs"] = "1", ["Worker:QueueFullRetryAfterSeconds"] = "17" });
        using var client = factory.CreateClient();
        var running = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(running, j => j.Status() == "running");
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent.Create(Jobs.Sentiment(epochs: 1)) };
        keyed.Headers.Add("Idempotency-Key", "waiting");
        var waiting = await (await client.SendAsync(keyed)).OkJsonAsync(HttpStatusCode.Accepted);

        var refused = await client.PostJsonAsync("/train", Jobs.Sentiment(epochs: 1));

        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("MaxQueuedJobs", problem.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromSeconds(17), refused.Headers.RetryAfter?.Delta);
        var jobs = await (await client.GetAsync("/jobs")).OkJsonAsync();
        Assert.Equal(2, jobs.GetProperty("total").GetInt32());
        Assert.Equal([waiting.Id(), running], jobs.GetProperty("items").EnumerateArray().Select(j => j.Id()));

        // A repeat of an accepted request is still answered while the queue is full.
        using var repeat = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent.Create(Jobs.Sentiment(epochs: 1)) };
        repeat.Headers.Add("Idempotency-Key", "waiting");
        Assert.Equal(waiting.Id(), (await (await client.SendAsync(repeat)).OkJsonAsync(HttpStatusCode.Accepted)).Id());
    }

    [Fact]
    public async Task PredictionsAreServedPromptlyWhileAJobTrains()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment())).Id())).Id("modelId");
        var training = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(training, j => j.Status() == "running" && j.Epoch() >= 1);

        // Predictions are answered while the endless job keeps finishing epochs: neither waits for the other to end.
        // (How fast they are answered is the benchmark's business; a test machine's speed is not known.)
        var startEpoch = (await (await client.GetAsync($"/jobs/{training}")).OkJsonAsync()).Epoch();
        var answered = 0;
        await Poll.UntilAsync(async () =>
        {
            var prediction = await (await client.PostJsonAsync("/predict", new { modelId, text = answered % 2 == 0 ? "very good" : "very bad" })).OkJsonAsync();
            Assert.Equal(answered % 2 == 0 ? "positive" : "negative", prediction.GetProperty("predictions")[0].GetProperty("label").GetString());
            answered++;
            return await (await client.GetAsync($"/jobs/{training}")).OkJsonAsync();
        }, job => answered >= 20 && job.Epoch() >= startEpoch + 2, TimeSpan.FromSeconds(120), "20 predictions while the job trains two more epochs");
        Assert.Equal("running", (await (await client.GetAsync($"/jobs/{training}")).OkJsonAsync()).Status());
    }

    [Fact]
    public async Task TheEventStreamSendsOneEventPerEpochThenTheFinishedJobAndReplaysLater()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Sentiment(epochs: 6))).Id();

        var live = await ReadEventsAsync(client, id);
        var replay = await ReadEventsAsync(client, id);

        foreach (var events in new[] { live, replay })
        {
            Assert.Equal([.. Enumerable.Repeat("epoch", 6), "end"], events.Select(e => e.EventType));
            Assert.Equal(Enumerable.Range(1, 6), events.Take(6).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("epoch").GetInt32()));
            var end = JsonDocument.Parse(events[^1].Data).RootElement;
            Assert.Equal("succeeded", end.Status());
            Assert.Equal(id, end.Id());
            Assert.NotEqual(JsonValueKind.Null, end.GetProperty("modelId").ValueKind);
        }
        var metrics = await (await client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
        Assert.Equal(metrics[5].GetProperty("trainLoss").GetDouble(), JsonDocument.Parse(live[5].Data).RootElement.GetProperty("trainLoss").GetDouble());
    }

    private static async Task<List<SseItem<string>>> ReadEventsAsync(HttpClient client, Guid id)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync($"/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cts.Token)) events.Add(item);
        return events;
    }

    [Fact]
    public async Task DeletingAModelWhilePredictionsRunAnswersOnly200Or404AndThen404()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:PermitLimit"] = "1000000" });
        using var client = factory.CreateClient();
        var job = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id());
        var modelId = job.Id("modelId");
        var deleted = new TaskCompletionSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, bool AfterDelete)>();

        async Task PredictLoop()
        {
            var extra = 0;
            while (extra < 5)
            {
                var afterDelete = deleted.Task.IsCompleted;
                var response = await client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good", "not happy" } });
                statuses.Add((response.StatusCode, afterDelete));
                if (response.StatusCode == HttpStatusCode.OK)
                    Assert.Equal(2, (await response.JsonAsync()).GetProperty("predictions").GetArrayLength());
                if (afterDelete) extra++;
            }
        }

        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(PredictLoop)).ToList();
        await Poll.UntilAsync(() => statuses.Count(s => s.Status == HttpStatusCode.OK) >= 8, TimeSpan.FromSeconds(30), "predictions before the delete");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/models/{modelId}")).StatusCode);
        deleted.SetResult();
        await Task.WhenAll(loops);

        Assert.All(statuses, s => Assert.Contains(s.Status, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound }));
        Assert.Contains(statuses, s => s.Status == HttpStatusCode.OK && !s.AfterDelete);
        Assert.All(statuses.Where(s => s.AfterDelete), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        await (await client.GetAsync($"/models/{modelId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/models/{modelId}/weights")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/models/{modelId}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
