using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Three service processes on one PostgreSQL database, through HTTP only: any replica serves any request.</summary>
public sealed class ReplicaTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task TwelveQueuedJobsAreEachTrainedExactlyOnceSpreadOverTheReplicas()
    {
        using var set = await ReplicaSet.StartAsync(3);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
            ids.Add((await set[i % 3].Client.TrainAsync(Jobs.Sentiment(epochs: 3))).Id());

        var jobs = new List<JsonElement>();
        foreach (var id in ids) jobs.Add(await WaitForEndAsync(set, set[0].Client, id));

        Assert.All(jobs, j => Assert.True(j.Status() == "succeeded", $"{j}\n{set.Logs}"));
        Assert.All(jobs, j => Assert.Equal(0, j.GetProperty("rescues").GetInt32()));
        var models = await (await set[1].Client.GetAsync("/models?pageSize=100")).OkJsonAsync();
        Assert.Equal(12, models.GetProperty("total").GetInt32());
        Assert.Equal(ids.Order(), models.GetProperty("items").EnumerateArray().Select(m => m.Id("jobId")).Order());
        Assert.Equal(12, jobs.Select(j => j.Id("modelId")).Distinct().Count());
        foreach (var id in ids)
        {
            var metrics = await (await set[2].Client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
            Assert.Equal([1, 2, 3], metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        }
        var workers = jobs.Select(j => j.GetProperty("worker").GetString()).Distinct().ToList();
        Assert.True(workers.Count > 1, $"Every job ran on {workers[0]}.");
        Assert.All(workers, w => Assert.Contains(w, set.Replicas.Select(r => r.Name)));
    }

    [Fact]
    public async Task KillingTheReplicaThatTrainsAJobMakesAnotherResumeItFromItsCheckpoint()
    {
        using var set = await ReplicaSet.StartAsync(3);
        const int epochs = 30;
        var id = (await set[0].Client.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs, earlyStoppingPatience = epochs, seed = 5 },
        })).Id();
        var running = await set[0].Client.WaitUntilAsync(id, j => j.Status() == "running" && j.Epoch() >= 3, seconds: 120);
        var victim = set.ByName(running.GetProperty("worker").GetString()!);
        victim.Kill();
        var survivor = set.Replicas.First(r => r != victim);

        var job = await WaitForEndAsync(set, survivor.Client, id);

        Assert.True(job.Status() == "succeeded", $"{job}\n{set.Logs}");
        Assert.NotEqual(victim.Name, job.GetProperty("worker").GetString());
        Assert.Equal(1, job.GetProperty("rescues").GetInt32());
        Assert.InRange(job.GetProperty("resumedFromEpoch").GetInt32(), 3, epochs - 1);
        var metrics = await (await survivor.Client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, epochs), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        Assert.Equal(1, (await (await survivor.Client.GetAsync("/models")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task EventsCancelAndDeleteWorkFromAnyReplica()
    {
        using var set = await ReplicaSet.StartAsync(3);
        var id = (await set[0].Client.TrainAsync(Jobs.Endless())).Id();
        var running = await set[0].Client.WaitUntilAsync(id, j => j.Status() == "running" && j.Epoch() >= 1, seconds: 120);
        var trainer = set.ByName(running.GetProperty("worker").GetString()!);
        var others = set.Replicas.Where(r => r != trainer).ToList();

        // Another replica streams the epochs that the trainer writes.
        using var streamTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await others[0].Client.GetAsync($"/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead, streamTimeout.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(streamTimeout.Token);
        var events = SseParser.Create(stream).EnumerateAsync(streamTimeout.Token).GetAsyncEnumerator(streamTimeout.Token);
        var epochsSeen = new List<int>();
        while (epochsSeen.Count < 3 && await events.MoveNextAsync())
            if (events.Current.EventType == "epoch") epochsSeen.Add(int.Parse(events.Current.EventId!));
        Assert.Equal(3, epochsSeen.Count);
        Assert.Equal(epochsSeen.Order(), epochsSeen);

        // A cancel sent to the third replica stops the job on the trainer; the stream on the second one ends.
        // 200, not 202: the service saw the run stop within its own wait for it.
        var cancelled = await (await others[1].Client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).OkJsonAsync();
        Assert.Equal("cancelled", cancelled.Status());
        string? last = null;
        while (await events.MoveNextAsync()) last = events.Current.EventType;
        Assert.Equal("end", last);
        // The trainer wrote nothing after it stopped.
        var after = await (await trainer.Client.GetAsync($"/jobs/{id}")).OkJsonAsync();
        Assert.Equal(("cancelled", cancelled.Epoch()), (after.Status(), after.Epoch()));

        // A delete on one replica is seen by /predict on every replica.
        var modelJob = await WaitForEndAsync(set, set[1].Client, (await set[1].Client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id());
        var modelId = modelJob.Id("modelId");
        foreach (var replica in set.Replicas)
            await (await replica.Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).OkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await set[2].Client.DeleteAsync($"/models/{modelId}")).StatusCode);
        foreach (var replica in set.Replicas)
            await Poll.UntilAsync(async () => (await replica.Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).StatusCode,
                status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(60), $"/predict on {replica.Name} to answer 404");
    }

    [Fact]
    public async Task StoppingPostgresForTenSecondsGives503sNotCrashesAndEverythingCompletesAfterwards()
    {
        // Its own server: stopping the shared one would break the tests running beside this one.
        using var cluster = new PostgresCluster();
        using var set = await ReplicaSet.StartAsync(2, cluster);
        var modelId = (await WaitForEndAsync(set, set[0].Client, (await set[0].Client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id())).Id("modelId");
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
            ids.Add((await set[i % 2].Client.TrainAsync(new
            {
                task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 12, earlyStoppingPatience = 12, seed = i },
            })).Id());
        await set[0].Client.WaitUntilAsync(ids[0], j => j.Status() == "running" && j.Epoch() >= 1, seconds: 120);

        cluster.Stop();
        var answers = new List<(string Request, HttpStatusCode Status, string Body)>();
        var outageEnds = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (var round = 0; DateTime.UtcNow < outageEnds && round < 200; round++)
        {
            var client = set[round % 2].Client;
            foreach (var (request, send) in new (string, Func<Task<HttpResponseMessage>>)[]
            {
                ("GET /jobs/{id}", () => client.GetAsync($"/jobs/{ids[0]}")),
                ("POST /predict", () => client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })),
                ("POST /train", () => client.PostJsonAsync("/train", Jobs.Sentiment(epochs: 1))),
                ("GET /health", () => client.GetAsync("/health")),
            })
            {
                using var response = await send();
                answers.Add((request, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
            await Task.Delay(200);
        }
        cluster.Start();

        Assert.All(set.Replicas, r => Assert.False(r.HasExited, r.Output));
        Assert.DoesNotContain(answers, a => (int)a.Status >= 500 && a.Status != HttpStatusCode.ServiceUnavailable);
        var unavailable = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Contains(unavailable, a => a.Request == "GET /health");
        Assert.Contains(unavailable, a => a.Request == "POST /train");
        Assert.All(unavailable, a => Assert.Equal(503, JsonDocument.Parse(a.Body).RootElement.GetProperty("status").GetInt32()));

        foreach (var id in ids)
        {
            var job = await WaitForEndAsync(set, set[1].Client, id);
            Assert.True(job.Status() == "succeeded", $"{job}\n{set.Logs}");
            var metrics = await (await set[0].Client.GetAsync($"/jobs/{id}/metrics")).OkJsonAsync();
            Assert.Equal(Enumerable.Range(1, 12), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        }
        foreach (var replica in set.Replicas) (await replica.Client.GetAsync("/health")).EnsureSuccessStatusCode();
        await (await set[1].Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).OkJsonAsync();
    }

    private static Task<JsonElement> WaitForEndAsync(ReplicaSet set, HttpClient client, Guid id) =>
        set.WaitForEndAsync(client, $"/jobs/{id}", JobTimeout);
}
