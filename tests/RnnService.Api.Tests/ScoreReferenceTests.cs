using System.Net;

namespace RnnService.Api.Tests;

/// <summary>POST /score takes a model reference (name, name@version, name@alias, id) like /predict and /generate.</summary>
public sealed class ScoreReferenceTests
{
    private static object TinyNames() =>
        new { task = "charlm", dataset = "us-names", name = "names", hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 1 } };

    [Fact]
    public async Task ScoringByNameAndByNameAtVersionScoresTheVersionTheReferenceNames()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = (await client.WaitForSuccessAsync((await client.TrainAsync(TinyNames())).Id())).Id("modelId");
        var second = (await client.WaitForSuccessAsync((await client.TrainAsync(TinyNames())).Id())).Id("modelId");

        var byName = await (await client.PostJsonAsync("/score", new { model = "names", text = "maria" })).OkJsonAsync();
        var byVersion = await (await client.PostJsonAsync("/score", new { model = "names@1", text = "maria" })).OkJsonAsync();
        var byId = await (await client.PostJsonAsync("/score", new { modelId = first, text = "maria" })).OkJsonAsync();

        Assert.Equal(second, byName.Id("modelId"));   // no production alias: a bare name is the latest version
        Assert.Equal(first, byVersion.Id("modelId"));
        Assert.Equal(first, byId.Id("modelId"));
        // name@1 and the id of version 1 are the same model, so the same numbers.
        Assert.Equal(byId.GetProperty("scores")[0].GetProperty("totalSurprisal").GetDouble(),
            byVersion.GetProperty("scores")[0].GetProperty("totalSurprisal").GetDouble());
        Assert.Equal(6, byName.GetProperty("scores")[0].GetProperty("characters").GetArrayLength());   // m a r i a <eos>
    }

    [Fact]
    public async Task ScoringAnUnknownNameOrVersionIsNotFoundNamingTheModelField()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitForSuccessAsync((await client.TrainAsync(TinyNames())).Id());

        var unknownName = await (await client.PostJsonAsync("/score", new { model = "nobody", text = "maria" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "model");
        Assert.Contains("No model named 'nobody'", unknownName.GetProperty("errors").GetProperty("model")[0].GetString());
        var unknownVersion = await (await client.PostJsonAsync("/score", new { model = "names@4", text = "maria" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "model");
        Assert.Contains("no version 4 (its latest is 1)", unknownVersion.GetProperty("errors").GetProperty("model")[0].GetString());
        await (await client.PostJsonAsync("/score", new { model = "names", modelId = Guid.NewGuid(), text = "maria" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "model");
        await (await client.PostJsonAsync("/score", new { text = "maria" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");
    }

    /// <summary>The 400 names the field the request used: model when it gave a name, modelId when it gave an id.</summary>
    [Fact]
    public async Task ScoringOrGeneratingFromASentimentModelIsRejectedNamingTheFieldTheRequestUsed()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1, name: "toy"))).Id());

        var id = (await (await client.GetAsync("/models/toy")).OkJsonAsync()).Id();

        await (await client.PostJsonAsync("/score", new { model = "toy", text = "good" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "model");
        var byName = await (await client.PostJsonAsync("/generate", new { model = "toy" })).AssertProblemAsync(HttpStatusCode.BadRequest, "model");
        Assert.False(byName.GetProperty("errors").TryGetProperty("modelId", out _), byName.ToString());
        await (await client.PostJsonAsync("/generate", new { model = "toy", maxLength = 5 })).AssertProblemAsync(HttpStatusCode.BadRequest, "model");
        await (await client.PostJsonAsync("/generate", new { modelId = id })).AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");
    }
}
