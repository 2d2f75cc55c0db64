using System.Diagnostics;
using RnnService.Engine.Data;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Api.Tests;

/// <summary>Issue 24: with the default Inference:MaxRequestWork, the first things anyone asks of the default models fit
/// in one request (the bounds on a big model are in <see cref="InferenceLimitsTests"/>). The default shapes train in one
/// epoch here: the work is the model's size × the steps, and the epochs change neither.</summary>
public sealed class WorkBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwentyNamesOfTheDefaultMaxLengthFromTheDefaultNamesModelAreOneRequest()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = await TrainDefaultShapeAsync(client, "charlm", "us-names");

        var clock = Stopwatch.StartNew();
        var generated = await (await client.PostJsonAsync("/generate", new { modelId, count = 20, seed = 1 })).OkJsonAsync();
        output.WriteLine($"/generate count 20 on the default us-names model: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(20, generated.GetProperty("samples").GetArrayLength());
    }

    [Fact]
    public async Task AThousandReviewSentencesOnTheDefaultSentimentModelAreOnePredictRequest()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = await TrainDefaultShapeAsync(client, "sentiment", BuiltInDatasets.ImdbSentences);
        var texts = ((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ImdbSentences)).Train.Select(e => e.Text).ToArray();
        Assert.Equal(1000, texts.Length);

        var clock = Stopwatch.StartNew();
        var predicted = await (await client.PostJsonAsync("/predict", new { modelId, texts })).OkJsonAsync();
        output.WriteLine($"/predict of {texts.Length} imdb-sentences texts on the default sentiment model: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(1000, predicted.GetProperty("predictions").GetArrayLength());
    }

    [Fact]
    public async Task TheRetiredCharacterBudgetsAreRefusedAtStartNamingTheirReplacement()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:MaxPredictCharacters"] = "1000" });

        var refused = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("Inference:MaxPredictCharacters is no longer read", refused.Message);
        Assert.Contains("Inference:MaxRequestWork", refused.Message);
    }

    private static async Task<Guid> TrainDefaultShapeAsync(HttpClient client, string task, string dataset) =>
        (await client.WaitForSuccessAsync((await client.TrainAsync(new { task, dataset, hyperparameters = new { epochs = 1 } })).Id())).Id("modelId");
}
