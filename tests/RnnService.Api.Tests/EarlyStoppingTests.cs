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
}
