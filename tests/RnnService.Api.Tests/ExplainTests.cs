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
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        await (await client.PostJsonAsync("/predict", new { modelId = names, text = "maria", explain = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "explain");
        // 5000 one-letter words: 5000 steps to classify, but 5001 × 5000 to explain, past Inference:MaxRequestWork on any sentiment model.
        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id())).Id("modelId");
        var words = string.Join(' ', Enumerable.Repeat("a", 5000));
        await (await client.PostJsonAsync("/predict", new { modelId = sentiment, text = words })).OkJsonAsync();
        var problem = await (await client.PostJsonAsync("/predict", new { modelId = sentiment, text = words, explain = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "explain");
        var message = problem.GetProperty("errors").GetProperty("text")[0].GetString();
        Assert.Contains("1 text explained, Σ (words + 1) × words = 25005000 steps", message);
        Assert.Contains("Inference:MaxRequestWork): explain fewer or shorter texts.", message);
    }

    // A text without words is classified as a single unknown word, as the engine does for the last occluded word.
    private static async Task<double> ProbabilityOfEmptyAsync(HttpClient client, Guid modelId) =>
        (await (await client.PostJsonAsync("/predict", new { modelId, text = "qqqqqqqq" })).OkJsonAsync())
            .GetProperty("predictions")[0].GetProperty("probability").GetDouble();
}
