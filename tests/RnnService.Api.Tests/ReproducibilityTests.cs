using System.Reflection;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Each model records what produced it; training again from that record gives the same weights.</summary>
public sealed class ReproducibilityTests
{
    [Fact]
    public async Task AModelShowsItsRecordAndRetrainingFromTheRecordGivesIdenticalWeights()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = await client.WaitForSuccessAsync((await client.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", architecture = "gru", name = "names",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 2, seed = 5 },
        })).Id());

        var record = (await (await client.GetAsync("/models/names")).OkJsonAsync()).GetProperty("reproducibility");
        Assert.Matches("^[0-9a-f]{64}$", record.GetProperty("datasetSha256").GetString());
        Assert.True(record.GetProperty("datasetBytes").GetInt64() > 40_000, record.ToString()); // 8,000 names
        Assert.Equal(5, record.GetProperty("seed").GetInt32());
        Assert.Equal(16, record.GetProperty("hyperparameters").GetProperty("hiddenSize").GetInt32());
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, record.GetProperty("serviceVersion").GetString());
        Assert.InRange(record.GetProperty("threads").GetInt32(), 1, 2);

        // Retrain from the record alone.
        var again = JsonSerializer.Serialize(new Dictionary<string, JsonElement>
        {
            ["task"] = record.GetProperty("task"), ["architecture"] = record.GetProperty("architecture"),
            ["dataset"] = record.GetProperty("dataset"), ["hyperparameters"] = record.GetProperty("hyperparameters"),
        });
        var response = await client.PostRawAsync("/train", again);
        var second = await client.WaitForSuccessAsync((await response.OkJsonAsync(System.Net.HttpStatusCode.Accepted)).Id());

        var secondRecord = (await (await client.GetAsync($"/models/{second.Id("modelId")}")).OkJsonAsync()).GetProperty("reproducibility");
        Assert.Equal(record.GetProperty("datasetSha256").GetString(), secondRecord.GetProperty("datasetSha256").GetString());
        Assert.Equal(await client.GetByteArrayAsync($"/models/{first.Id("modelId")}/weights"),
            await client.GetByteArrayAsync($"/models/{second.Id("modelId")}/weights"));
    }

    [Fact]
    public async Task AnUploadedDatasetWithOtherContentHasAnotherFingerprint()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        foreach (var (name, content) in new[] { ("one", "to be or not to be"), ("two", "to be or not to bee") })
            await (await client.PostJsonAsync("/datasets", new { name, task = "charlm", format = "text", content })).OkJsonAsync(System.Net.HttpStatusCode.Created);

        async Task<JsonElement> RecordAsync(string dataset)
        {
            var job = await client.WaitForSuccessAsync((await client.TrainAsync(new { task = "charlm", dataset, hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 1, sequenceLength = 4, batchSize = 2 } })).Id());
            return (await (await client.GetAsync($"/models/{job.Id("modelId")}")).OkJsonAsync()).GetProperty("reproducibility");
        }
        var one = await RecordAsync("one");
        var two = await RecordAsync("two");
        Assert.Equal(18, one.GetProperty("datasetBytes").GetInt64());
        Assert.Equal(19, two.GetProperty("datasetBytes").GetInt64());
        Assert.NotEqual(one.GetProperty("datasetSha256").GetString(), two.GetProperty("datasetSha256").GetString());
    }
}
