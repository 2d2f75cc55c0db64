using System.Net;

namespace RnnService.Api.Tests;

/// <summary>A dataset or model that an unfinished job will read cannot be deleted, and a delete racing the POST /train
/// that would use it never lets both succeed.</summary>
public sealed class DeleteInUseTests : ServiceTest
{
    [Fact]
    public async Task AModelThatAPausedFineTuningJobStartsFromIsA409UntilTheJobIsCancelled()
    {
        var baseId = (await _client.WaitForSuccessAsync((await _client.TrainAsync(Jobs.Sentiment(epochs: 2, name: "base"))).Id())).Id("modelId");
        var tuning = (await _client.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", initFrom = "base@1", hyperparameters = new { epochs = 10000 } })).Id();
        Assert.True((await _client.PostEmptyJsonAsync($"/jobs/{tuning}/pause")).IsSuccessStatusCode);

        var problem = await (await _client.DeleteAsync("/models/base@1")).AssertProblemAsync(HttpStatusCode.Conflict, "reference");
        Assert.Contains(tuning.ToString(), problem.GetProperty("detail").GetString());
        await (await _client.GetAsync($"/models/{baseId}")).OkJsonAsync();

        await _client.PostEmptyJsonAsync($"/jobs/{tuning}/cancel");
        await _client.WaitForJobAsync(tuning, TimeSpan.FromSeconds(60), "cancelled");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/models/base@1")).StatusCode);
    }

    [Fact]
    public async Task TrainingOnADatasetAndDeletingItAtTheSameTimeNeverBothSucceed()
    {
        const int rounds = 20;
        // A long job holds the only worker, so every job the race queues stays queued (a job that finished would free its dataset).
        var busy = (await _client.TrainAsync(Jobs.Endless())).Id();
        await _client.WaitUntilAsync(busy, j => j.Status() == "running");
        var outcomes = new List<(HttpStatusCode Train, HttpStatusCode Delete)>();
        for (var i = 0; i < rounds; i++)
        {
            var name = $"race-{i}";
            await (await _client.PostJsonAsync("/datasets", new { name, task = "charlm", format = "text", content = "to be or not to be, that is the question" }))
                .OkJsonAsync(HttpStatusCode.Created);
            var train = _client.PostJsonAsync("/train", new { task = "charlm", dataset = name, hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 1 } });
            var delete = _client.DeleteAsync($"/datasets/{name}");
            var (trained, deleted) = (await train, await delete);
            outcomes.Add((trained.StatusCode, deleted.StatusCode));
            // The loser is told why: the job's dataset is gone (400 naming it), or a job uses the dataset (409).
            if (trained.StatusCode != HttpStatusCode.Accepted) await trained.AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
            if (deleted.StatusCode != HttpStatusCode.NoContent) await deleted.AssertProblemAsync(HttpStatusCode.Conflict);
        }

        Assert.DoesNotContain((HttpStatusCode.Accepted, HttpStatusCode.NoContent), outcomes);
        Assert.All(outcomes, o => Assert.True(o.Train == HttpStatusCode.Accepted || o.Delete == HttpStatusCode.NoContent, $"{o}"));
        var queued = await (await _client.GetAsync("/jobs?status=queued&pageSize=100")).OkJsonAsync();
        Assert.Equal(outcomes.Count(o => o.Train == HttpStatusCode.Accepted), queued.GetProperty("total").GetInt32());
    }
}
