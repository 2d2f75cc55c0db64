using System.Net;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Sweep requests sized for a fast test run, and helpers to wait for a sweep.</summary>
public static class Sweeps
{
    /// <summary>Nine trials of a tiny toy-sentiment classifier (learned 8-wide embedding, 8 hidden units) over the learning rate;
    /// ASHA with rungs at 1, 3 and 9 epochs.</summary>
    public static Dictionary<string, object?> Toy(int maxTrials = 9, int maxConcurrent = 2, int seed = 5, string name = "toy-search") => new()
    {
        ["task"] = "sentiment", ["dataset"] = "toy-sentiment", ["name"] = name, ["seed"] = seed,
        ["hyperparameters"] = new { embeddingSize = 8, hiddenSize = 8, pretrainedEmbeddings = "none", batchSize = 8 },
        ["space"] = new Dictionary<string, object>
        {
            ["learningRate"] = new { min = 0.001, max = 0.05, log = true },
            ["dropout"] = new[] { 0, 0.2 },
        },
        ["minEpochs"] = 1, ["maxEpochs"] = 9, ["eta"] = 3,
        ["budget"] = new { maxTrials, maxConcurrent, maxSeconds = 600 },
    };

    public static async Task<JsonElement> StartSweepAsync(this HttpClient client, object request)
    {
        var response = await client.PostJsonAsync("/sweeps", request);
        var sweep = await response.OkJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/sweeps/{sweep.Id()}", response.Headers.Location?.ToString());
        return sweep;
    }

    /// <summary>Polls GET /sweeps/{id} until <paramref name="condition"/> holds.</summary>
    public static Task<JsonElement> WaitForSweepAsync(this HttpClient client, Guid id, Func<JsonElement, bool> condition, int seconds = 120) =>
        Poll.UntilAsync(async () => await (await client.GetAsync($"/sweeps/{id}")).OkJsonAsync(), condition,
            TimeSpan.FromSeconds(seconds), $"sweep {id}");

    public static Task<JsonElement> WaitForSweepEndAsync(this HttpClient client, Guid id, int seconds = 120) =>
        client.WaitForSweepAsync(id, s => s.Status() is "succeeded" or "failed" or "cancelled", seconds);

    public static IEnumerable<JsonElement> Trials(this JsonElement sweep) => sweep.GetProperty("trials").EnumerateArray();

    /// <summary>How many trials reported at each rung.</summary>
    public static int[] TrialsPerRung(this JsonElement sweep) =>
        Enumerable.Range(0, sweep.GetProperty("rungs").GetArrayLength())
            .Select(k => sweep.Trials().Count(t => t.GetProperty("rung").GetInt32() >= k)).ToArray();
}
