using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>earlyStoppingPatience 0 turns early stopping off through the API: exactly the epochs asked for run.</summary>
public sealed class EarlyStoppingTests : ServiceTest
{
    public static TheoryData<string, object, int> OffRequests => new()
    {
        // toy-sentiment validates on its own test split.
        { "validated", new { task = "sentiment", dataset = "toy-sentiment", hyperparameters = new { epochs = 25, hiddenSize = 16, earlyStoppingPatience = 0 } }, 25 },
        // Without a validation split early stopping would watch the training loss.
        { "unvalidated", new { task = "charlm", dataset = "us-names", hyperparameters = new { epochs = 5, hiddenSize = 16, embeddingSize = 8, earlyStoppingPatience = 0, validationFraction = 0 } }, 5 },
    };

    [Theory]
    [MemberData(nameof(OffRequests))]
    public async Task PatienceZeroTrainsExactlyTheEpochsAskedFor(string split, object request, int epochs)
    {
        var queued = await _client.TrainAsync(request);
        Assert.Equal(0, queued.GetProperty("hyperparameters").GetProperty("earlyStoppingPatience").GetInt32());

        var job = await _client.WaitForSuccessAsync(queued.Id());

        Assert.Equal(epochs, job.Epoch());
        var metrics = await (await _client.GetAsync($"/jobs/{queued.Id()}/metrics")).OkJsonAsync();
        Assert.Equal(Enumerable.Range(1, epochs), metrics.EnumerateArray().Select(m => m.GetProperty("epoch").GetInt32()));
        Assert.Equal(split == "validated", metrics[0].GetProperty("validationLoss").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task AJobStoppedEarlyReportsTheBestEpochsMetricsAsItsModels()
    {
        var queued = await _client.TrainAsync(new
        {
            task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { epochs = 60, hiddenSize = 16, learningRate = 0.05, earlyStoppingPatience = 1 },
        });

        var job = await _client.WaitForSuccessAsync(queued.Id());

        var metrics = (await (await _client.GetAsync($"/jobs/{queued.Id()}/metrics")).OkJsonAsync()).EnumerateArray().ToList();
        var best = metrics.MinBy(m => m.GetProperty("validationLoss").GetDouble());
        Assert.True(job.Epoch() < 60, $"stopped at {job.Epoch()}");
        Assert.Equal(job.Epoch() - 1, best.GetProperty("epoch").GetInt32());
        Assert.Equal(best.GetProperty("epoch").GetInt32(), job.GetProperty("bestEpoch").GetInt32());
        var model = await (await _client.GetAsync($"/models/{job.Id("modelId")}")).OkJsonAsync();
        var listed = (await (await _client.GetAsync("/models")).OkJsonAsync()).GetProperty("items")[0];
        foreach (var final in new[] { model.GetProperty("finalMetrics"), listed.GetProperty("finalMetrics") })
        {
            Assert.Equal(best.GetProperty("epoch").GetInt32(), final.GetProperty("epoch").GetInt32());
            Assert.Equal(best.GetProperty("validationLoss").GetDouble(), final.GetProperty("validationLoss").GetDouble());
            Assert.Equal(best.GetProperty("validationAccuracy").GetDouble(), final.GetProperty("validationAccuracy").GetDouble());
        }
    }
}
