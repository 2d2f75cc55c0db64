using System.Net;

namespace RnnService.Api.Tests;

/// <summary>Issue 13: /predict with explain: true gives each word's occlusion influence.</summary>
public sealed class ExplainTests
{
    [Fact]
    public async Task EachWordsInfluenceIsTheDropInPositiveProbabilityWhenItIsRemovedAsSeparatePredictCallsSee()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment())).Id())).Id("modelId");
        string[] texts = ["I am not happy, this is bad", "good"];

        var explained = await (await client.PostJsonAsync("/predict", new { modelId, texts, explain = true })).OkJsonAsync();
        var plain = await (await client.PostJsonAsync("/predict", new { modelId, texts })).OkJsonAsync();
        for (int t = 0; t < texts.Length; t++)
        {
            var prediction = explained.GetProperty("predictions")[t];
            double full = prediction.GetProperty("probability").GetDouble();
            Assert.Equal(plain.GetProperty("predictions")[t].GetProperty("probability").GetDouble(), full, 6);
            var influences = prediction.GetProperty("influences").EnumerateArray().ToList();
            string[] words = t == 0 ? ["i", "am", "not", "happy", "this", "is", "bad"] : ["good"];
            Assert.Equal(words, influences.Select(i => i.GetProperty("word").GetString()));
            for (int w = 0; w < words.Length; w++)
            {
                Assert.Equal(w, influences[w].GetProperty("index").GetInt32());
                var without = string.Join(' ', words.Where((_, k) => k != w));
                double p = without.Length == 0 ? await ProbabilityOfEmptyAsync(client, modelId)
                    : (await (await client.PostJsonAsync("/predict", new { modelId, text = without })).OkJsonAsync())
                        .GetProperty("predictions")[0].GetProperty("probability").GetDouble();
                Assert.Equal(full - p, influences[w].GetProperty("influence").GetDouble(), 5);
            }
        }
        // A trained toy model leans on its sentiment words.
        var good = explained.GetProperty("predictions")[1].GetProperty("influences")[0].GetProperty("influence").GetDouble();
        Assert.True(good > 0.1, $"'good' moved P(positive) by only {good}");
        Assert.False(plain.GetProperty("predictions")[0].TryGetProperty("influences", out _));
    }

    [Fact]
    public async Task ExplainIsRefusedForCharModelsAndForTooMuchWork()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:MaxPredictCharacters"] = "100" });
        using var client = factory.CreateClient();
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        await (await client.PostJsonAsync("/predict", new { modelId = names, text = "maria", explain = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "explain");
        // 50 one-letter words in 99 characters: 51 × 99 = 5049 > 100 × 32, though 99 characters pass the plain budget.
        var tooMuch = string.Join(' ', Enumerable.Repeat("a", 50));
        var problem = await (await client.PostJsonAsync("/predict", new { modelId = names, text = tooMuch, explain = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "explain");
        Assert.Contains("Inference:MaxPredictCharacters × 32", problem.GetProperty("errors").GetProperty("explain")[0].GetString());
    }

    // A text without words is classified as a single unknown word, as the engine does for the last occluded word.
    private static async Task<double> ProbabilityOfEmptyAsync(HttpClient client, Guid modelId) =>
        (await (await client.PostJsonAsync("/predict", new { modelId, text = "qqqqqqqq" })).OkJsonAsync())
            .GetProperty("predictions")[0].GetProperty("probability").GetDouble();
}
