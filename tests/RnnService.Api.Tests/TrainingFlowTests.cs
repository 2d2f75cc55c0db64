using Microsoft.EntityFrameworkCore;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;

namespace RnnService.Api.Tests;

public sealed class TrainingFlowTests
{
    [Fact]
    public async Task ASentimentJobTrainsRecordsEveryEpochAndItsModelClassifiesToySentences()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var queued = await client.TrainAsync(Jobs.Sentiment(name: "toy"));
        Assert.Equal("queued", queued.Status());
        Assert.Equal(40, queued.GetProperty("progress").GetProperty("totalEpochs").GetInt32());
        // Omitted hyper-parameters are the engine's sentiment defaults.
        Assert.Equal(64, queued.GetProperty("hyperparameters").GetProperty("hiddenSize").GetInt32());
        Assert.Equal("adam", queued.GetProperty("hyperparameters").GetProperty("optimizer").GetString());

        var job = await client.WaitForSuccessAsync(queued.Id());
        Assert.Equal(40, job.Epoch());
        Assert.Equal(100, job.GetProperty("progress").GetProperty("percent").GetDouble());
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("startedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("finishedAt").ValueKind);
        var host = Environment.MachineName;
        Assert.Equal($"{host[..Math.Min(40, host.Length)]}/{Environment.ProcessId}", job.GetProperty("worker").GetString());

        var metrics = await (await client.GetAsync($"/jobs/{queued.Id()}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, 40), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        var last = metrics[39];
        Assert.True(last.GetProperty("trainAccuracy").GetDouble() >= 0.9, last.ToString());
        Assert.True(last.GetProperty("trainLoss").GetDouble() < metrics[0].GetProperty("trainLoss").GetDouble());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("perplexity").ValueKind);
        Assert.Equal(last.GetProperty("trainLoss").GetDouble(), job.GetProperty("latestMetrics").GetProperty("trainLoss").GetDouble());

        var modelId = job.Id("modelId");
        var prediction = await (await client.PostJsonAsync("/predict", new
        {
            modelId, texts = new[] { "good", "bad", "not good", "i am very happy", "this is xyzzy sad" },
        })).OkJsonAsync();
        Assert.Equal(modelId, prediction.Id("modelId"));
        var predictions = prediction.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(["positive", "negative", "negative", "positive", "negative"], predictions.Select(p => p.GetProperty("label").GetString()));
        Assert.True(predictions[0].GetProperty("probability").GetDouble() > 0.5);
        Assert.True(predictions[1].GetProperty("probability").GetDouble() < 0.5);
        Assert.Equal(["xyzzy"], predictions[4].GetProperty("unknownWords").EnumerateArray().Select(w => w.GetString()));

        var single = await (await client.PostJsonAsync("/predict", new { modelId, text = "happy" })).OkJsonAsync();
        Assert.Equal("positive", single.GetProperty("predictions")[0].GetProperty("label").GetString());

        var model = await (await client.GetAsync($"/models/{modelId}")).OkJsonAsync();
        Assert.Equal(queued.Id(), model.Id("jobId"));
        Assert.Equal("toy", model.GetProperty("name").GetString());
        Assert.Equal("sentiment", model.GetProperty("task").GetString());
        Assert.Equal(64, model.GetProperty("config").GetProperty("hiddenSize").GetInt32());
        Assert.True(model.GetProperty("vocabularySize").GetInt32() > 10);
        Assert.True(model.GetProperty("parameterCount").GetInt64() > 20_000);
        Assert.Equal(40, model.GetProperty("finalMetrics").GetProperty("epoch").GetInt32());

        var models = await (await client.GetAsync("/models")).OkJsonAsync();
        Assert.Equal(modelId, Assert.Single(models.GetProperty("items").EnumerateArray()).Id());

        // A sentiment model cannot generate.
        await (await client.PostJsonAsync("/generate", new { modelId })).AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");

        var jobs = await (await client.GetAsync("/jobs?status=succeeded")).OkJsonAsync();
        Assert.Equal(1, jobs.GetProperty("total").GetInt32());
        var listed = Assert.Single(jobs.GetProperty("items").EnumerateArray());
        Assert.Equal(40, listed.GetProperty("latestMetrics").GetProperty("epoch").GetInt32());
        Assert.Equal(modelId, listed.Id("modelId"));
        Assert.Equal(0, (await (await client.GetAsync("/jobs?status=queued")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task EpochsAndTheTimeLeftAreWrittenAsEachEpochEndsWhileTheCheckpointWaitsForItsInterval()
    {
        // Checkpoints are made by time (Worker:CheckpointInterval); an epoch's row must not wait for one.
        await using var factory = new RnnServiceFactory(new() { ["Worker:CheckpointInterval"] = "01:00:00" });
        using var client = factory.CreateClient();
        var id = (await client.TrainAsync(Jobs.Endless())).Id();

        var running = await client.WaitUntilAsync(id, j => j.Epoch() >= 2);

        Assert.Equal("running", running.Status());
        Assert.True(running.GetProperty("progress").GetProperty("etaSeconds").GetDouble() > 0);
        await using (var db = factory.OpenDatabase())
        {
            Assert.True(await db.EpochMetrics.CountAsync(m => m.JobId == id) >= 2);
            Assert.False(await db.Checkpoints.AnyAsync(c => c.JobId == id));
        }
        await (await client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).OkJsonAsync();
        await client.WaitForJobAsync(id, TimeSpan.FromSeconds(60), "cancelled");
    }

    [Fact]
    public async Task TheWeightsDownloadIsASafetensorsFileWithPyTorchNamesAndTheConfig()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var job = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id());

        var response = await client.GetAsync($"/models/{job.Id("modelId")}/weights");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".safetensors", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var names = header.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Subset(names, new HashSet<string> { "embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias", "__metadata__" });
        var config = JsonDocument.Parse(header.RootElement.GetProperty("__metadata__").GetProperty("config").GetString()!);
        Assert.Equal(64, config.RootElement.GetProperty("hiddenSize").GetInt32());
        // [4H, E] for an LSTM; E is GloVe's 100 (the sentiment default starts from its vectors).
        Assert.Equal([256, 100], header.RootElement.GetProperty("rnn.weight_ih_l0").GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Fact]
    public async Task ANamesJobTrainsAndItsModelGeneratesAndScoresNames()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var job = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 2))).Id());
        var metrics = await (await client.GetAsync($"/jobs/{job.Id()}/metrics")).OkJsonAsync();
        Assert.Equal(2, metrics.GetArrayLength());
        Assert.True(metrics[1].GetProperty("perplexity").GetDouble() is > 1 and < 30, metrics.ToString());
        Assert.Equal(JsonValueKind.Null, metrics[1].GetProperty("trainAccuracy").ValueKind);
        var modelId = job.Id("modelId");

        var generated = await (await client.PostJsonAsync("/generate", new { modelId, count = 5, seed = 7, temperature = 0.8, maxLength = 20 })).OkJsonAsync();
        var samples = generated.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(5, samples.Count);
        Assert.All(samples, s => Assert.Matches("^[a-z]{1,20}$", s));
        Assert.Equal(7, generated.GetProperty("seed").GetInt32());
        var again = await (await client.PostJsonAsync("/generate", new { modelId, count = 5, seed = 7, temperature = 0.8, maxLength = 20 })).OkJsonAsync();
        Assert.Equal(samples, again.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!));

        var prompted = await (await client.PostJsonAsync("/generate", new { modelId, prompt = "mar", count = 3, seed = 1 })).OkJsonAsync();
        Assert.All(prompted.GetProperty("samples").EnumerateArray(), s => Assert.StartsWith("mar", s.GetString()));

        var scored = await (await client.PostJsonAsync("/predict", new { modelId, texts = new[] { "mary", "xqzzv" } })).OkJsonAsync();
        var mary = scored.GetProperty("predictions")[0];
        var nonsense = scored.GetProperty("predictions")[1];
        Assert.True(mary.GetProperty("perplexity").GetDouble() < nonsense.GetProperty("perplexity").GetDouble());
        var next = mary.GetProperty("nextCharacters").EnumerateArray().Select(n => n.GetProperty("probability").GetDouble()).ToList();
        Assert.Equal(10, next.Count);
        Assert.Equal(next.OrderByDescending(p => p), next);
        Assert.InRange(next.Sum(), 0.1, 1.0001);
    }

    [Fact]
    public async Task TheSameIdempotencyKeyReturnsTheSameJob()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        async Task<JsonElement> Post(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent(Jobs.Sentiment(epochs: 1)) };
            request.Headers.Add("Idempotency-Key", key);
            return await (await client.SendAsync(request)).OkJsonAsync(HttpStatusCode.Accepted);
        }

        var first = await Post("key-1");
        var repeated = await Post("key-1");
        var other = await Post("key-2");

        Assert.Equal(first.Id(), repeated.Id());
        Assert.NotEqual(first.Id(), other.Id());
        Assert.Equal(2, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneIdempotencyKeyCreateOneJob()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent(Jobs.Sentiment(epochs: 1)) };
            request.Headers.Add("Idempotency-Key", "same");
            return (await (await client.SendAsync(request)).OkJsonAsync(HttpStatusCode.Accepted)).Id();
        }));

        Assert.Single(responses.Distinct());
        Assert.Equal(1, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ADivergingJobFailsWithAClearErrorStoresNoModelAndTheNextJobStillRuns()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var diverging = await client.TrainAsync(new
        {
            task = "sentiment", dataset = "toy-sentiment", architecture = "rnn",
            hyperparameters = new { optimizer = "adam", learningRate = 1e38, clipNorm = 0, epochs = 50 },
        });
        var failed = await client.WaitForJobAsync(diverging.Id(), TimeSpan.FromSeconds(60), "succeeded", "failed");

        Assert.Equal("failed", failed.Status());
        Assert.Contains("diverged", failed.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("modelId").ValueKind);
        Assert.Equal(0, (await (await client.GetAsync("/models")).OkJsonAsync()).GetProperty("total").GetInt32());

        var next = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id());
        Assert.Equal("succeeded", next.Status());
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
