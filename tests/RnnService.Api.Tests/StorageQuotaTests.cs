using System.Net;

namespace RnnService.Api.Tests;

/// <summary>Limits:MaxStoredBytes: datasets and models together; a write that would go over it is 507 saying what to delete.</summary>
public sealed class StorageQuotaTests() : ServiceTest(new() { ["Limits:MaxStoredBytes"] = "2500" })
{
    private static object Upload(string name, int bytes) =>
        new { name, task = "charlm", format = "text", content = string.Concat(Enumerable.Repeat("to be or not to be ", bytes / 19 + 1))[..bytes] };

    [Fact]
    public async Task AnUploadOrATrainingJobThatWouldGoOverTheLimitIs507NamingWhatToDelete()
    {
        await (await _client.PostJsonAsync("/datasets", Upload("first", 2000))).OkJsonAsync(HttpStatusCode.Created);

        var problem = await (await _client.PostJsonAsync("/datasets", Upload("second", 1000))).AssertProblemAsync(HttpStatusCode.InsufficientStorage);
        Assert.Equal((2000, 2500, 1000), (problem.GetProperty("storedBytes").GetInt64(), problem.GetProperty("limitBytes").GetInt64(), problem.GetProperty("neededBytes").GetInt64()));
        Assert.Equal("first", problem.GetProperty("largest")[0].GetProperty("reference").GetString());
        Assert.Contains("DELETE /datasets/{name}", problem.GetProperty("detail").GetString());
        var training = await (await _client.PostJsonAsync("/train", new { task = "charlm", dataset = "first", hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 1 } }))
            .AssertProblemAsync(HttpStatusCode.InsufficientStorage);
        Assert.StartsWith("The model this job trains needs", training.GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/datasets/first")).StatusCode);
        await (await _client.PostJsonAsync("/datasets", Upload("second", 1000))).OkJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ParallelUploadsNeverTogetherGoOverTheLimit()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => _client.PostJsonAsync("/datasets", Upload($"part-{i}", 1000))));

        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.InsufficientStorage));
        var listed = await (await _client.GetAsync("/datasets")).OkJsonAsync();
        Assert.Equal(2000, listed.EnumerateArray().Where(d => !d.GetProperty("builtIn").GetBoolean()).Sum(d => d.GetProperty("bytes").GetInt64()));
    }
}
