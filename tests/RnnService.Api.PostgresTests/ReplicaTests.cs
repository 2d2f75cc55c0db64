using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Three service processes on one PostgreSQL database, through HTTP only: any replica serves any request.</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task TwelveQueuedJobsAreEachTrainedExactlyOnceSpreadOverTheReplicas()
    {
        using var set = await ReplicaSet.StartAsync(3);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
            ids.Add((await set[i % 3].Client.TrainAsync(Jobs.Sentiment(epochs: 3))).Id());

        var jobs = new List<JsonElement>();
        foreach (var id in ids) jobs.Add(await set.WaitForJobEndAsync(set[0].Client, id));

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
        var modelJob = await set.WaitForJobEndAsync(set[1].Client, (await set[1].Client.TrainAsync(Jobs.Sentiment(epochs: 5))).Id());
        var modelId = modelJob.Id("modelId");
        foreach (var replica in set.Replicas)
            await (await replica.Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).OkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await set[2].Client.DeleteAsync($"/models/{modelId}")).StatusCode);
        foreach (var replica in set.Replicas)
            await Poll.UntilAsync(async () => (await replica.Client.PostJsonAsync("/predict", new { modelId, texts = new[] { "good" } })).StatusCode,
                status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(60), $"/predict on {replica.Name} to answer 404");
    }
}
