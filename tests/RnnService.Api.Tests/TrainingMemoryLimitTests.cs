using System.Net;

namespace RnnService.Api.Tests;

/// <summary>POST /train refuses a job whose estimated peak training memory is above Limits:MaxTrainingMemoryBytes.</summary>
public sealed class TrainingMemoryLimitTests() : ServiceTest(new() { ["Limits:MaxTrainingMemoryBytes"] = (1L << 30).ToString() })
{
    [Fact]
    public async Task ASentimentJobNeedingTensOfGigabytesIsRejectedNamingBatchSizeMaxSequenceLengthAndHiddenSize()
    {
        var response = await _client.PostJsonAsync("/train", new
        {
            task = "sentiment", dataset = "imdb-sentences",
            hyperparameters = new { hiddenSize = 1024, batchSize = 256, maxSequenceLength = 4000 },
        });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.batchSize");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "hyperparameters.maxSequenceLength", "hyperparameters.hiddenSize" })
            Assert.Contains("Limits:MaxTrainingMemoryBytes", errors.GetProperty(field)[0].GetString());
        var jobs = await (await _client.GetAsync("/jobs")).OkJsonAsync();
        Assert.Equal(0, jobs.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ADefaultJobFitsUnderTheSameLimit()
    {
        var response = await _client.PostJsonAsync("/train", new { task = "sentiment", dataset = "imdb-sentences" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public void TheDefaultLimitIsAQuarterOfTheMemoryTheProcessMayUse()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        Assert.True(available > 0);
        Assert.Equal(available / 4, new LimitsOptions().MaxTrainingMemoryBytes);
    }
}
