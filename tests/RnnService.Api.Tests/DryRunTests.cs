using System.Net;

namespace RnnService.Api.Tests;

/// <summary>POST /train/estimate (and the deprecated POST /train?dryRun=true): validated and estimated, never queued.</summary>
public sealed class DryRunTests
{
    [Fact]
    public async Task ADryRunAnswersTheEffectiveSettingsAndTheModelSizeAndQueuesNothing()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var request = new { task = "charlm", dataset = "us-names", architecture = "gru", hyperparameters = new { hiddenSize = 24, embeddingSize = 8, epochs = 1 } };

        var estimate = await (await client.PostJsonAsync("/train/estimate", request)).OkJsonAsync();

        Assert.Equal(0, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
        Assert.Equal(24, estimate.GetProperty("hyperparameters").GetProperty("hiddenSize").GetInt32());
        Assert.Equal(64, estimate.GetProperty("hyperparameters").GetProperty("batchSize").GetInt32()); // the default fitted to a line corpus
        Assert.True(estimate.GetProperty("estimatedSecondsPerEpoch").GetDouble() > 0, estimate.ToString());
        Assert.True(estimate.GetProperty("estimatedMemoryBytes").GetInt64() >= 16 * estimate.GetProperty("parameterCount").GetInt64(), estimate.ToString());

        var trained = await client.WaitForSuccessAsync((await client.TrainAsync(request)).Id());
        var model = await (await client.GetAsync($"/models/{trained.Id("modelId")}")).OkJsonAsync();
        Assert.Equal(model.GetProperty("parameterCount").GetInt64(), estimate.GetProperty("parameterCount").GetInt64());
        Assert.Equal(trained.GetProperty("hyperparameters").ToString(), estimate.GetProperty("hyperparameters").ToString()); // what the job really ran with
    }

    [Fact]
    public async Task ADryRunOfAFineTuneUsesTheBaseModelsSizes()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var baseJob = await client.WaitForSuccessAsync((await client.TrainAsync(
            new { task = "sentiment", dataset = "toy-sentiment", name = "toy", hyperparameters = new { epochs = 1, hiddenSize = 12 } })).Id());

        var estimate = await (await client.PostJsonAsync("/train/estimate", new { task = "sentiment", dataset = "toy-sentiment", initFrom = "toy" })).OkJsonAsync();

        var baseModel = await (await client.GetAsync("/models/toy")).OkJsonAsync();
        Assert.Equal(baseJob.Id("modelId"), estimate.Id("initFromModelId"));
        Assert.Equal(12, estimate.GetProperty("hyperparameters").GetProperty("hiddenSize").GetInt32());
        Assert.Equal(baseModel.GetProperty("parameterCount").GetInt64(), estimate.GetProperty("parameterCount").GetInt64());
        Assert.Equal(1, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ABadDryRunIsRejectedNamingTheFieldLikeARealOne()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await (await client.PostJsonAsync("/train/estimate", new { task = "sentiment", dataset = "toy-sentiment", hyperparameters = new { hiddenSize = 0 } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.hiddenSize");
        await (await client.PostJsonAsync("/train/estimate", new { task = "sentiment", dataset = "nope" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        await (await client.PostJsonAsync("/train/estimate", new { task = "sentiment", dataset = "toy-sentiment", initFrom = "nope" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "initFrom");
    }

    [Fact]
    public async Task TheDeprecatedDryRunFlagStillEstimatesAndQueuesNothing()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var request = new { task = "sentiment", dataset = "toy-sentiment", hyperparameters = new { hiddenSize = 12, epochs = 3 } };

        var flagged = await (await client.PostJsonAsync("/train?dryRun=true", request)).OkJsonAsync();
        var estimate = await (await client.PostJsonAsync("/train/estimate", request)).OkJsonAsync();

        Assert.Equal(estimate.GetProperty("parameterCount").GetInt64(), flagged.GetProperty("parameterCount").GetInt64());
        Assert.Equal(estimate.GetProperty("hyperparameters").ToString(), flagged.GetProperty("hyperparameters").ToString());
        Assert.Equal(0, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
        await (await client.PostJsonAsync("/train?dryRun=true", new { task = "sentiment", dataset = "nope" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        await (await client.PostJsonAsync("/train?dryRun=yes", request)).AssertProblemAsync(HttpStatusCode.BadRequest, "dryRun");
        Assert.Equal(0, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }
}
