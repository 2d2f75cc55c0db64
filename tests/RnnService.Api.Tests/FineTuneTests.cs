using System.Net;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>POST /train with initFrom: a job that starts from a stored model's weights and vocabulary.</summary>
public sealed class FineTuneTests
{
    // A base that trains all its 30 epochs (patience 30) at 0.01: at the sentiment default of 0.005 this 16-wide model's
    // slow first epochs can end the job by early stopping after 4, leaving no trained base to start from.
    private static object Base() =>
        new { task = "sentiment", dataset = "toy-sentiment", name = "toy", hyperparameters = new { epochs = 30, hiddenSize = 16, learningRate = 0.01, earlyStoppingPatience = 30 } };

    [Fact]
    public async Task AFineTunedVersionStartsFromItsBaseKeepsItsSizesAndRecordsItsParent()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var baseJob = await client.WaitForSuccessAsync((await client.TrainAsync(Base())).Id());
        var baseId = baseJob.Id("modelId");

        var queued = await client.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", name = "toy", initFrom = "toy", hyperparameters = new { epochs = 1 } });
        Assert.Equal(baseId, queued.Id("initFromModelId"));
        Assert.Equal(16, queued.GetProperty("hyperparameters").GetProperty("hiddenSize").GetInt32());
        Assert.Equal("lstm", queued.GetProperty("architecture").GetString());
        var tuned = await client.WaitForSuccessAsync(queued.Id());

        var model = await (await client.GetAsync("/models/toy")).OkJsonAsync();
        Assert.Equal((tuned.Id("modelId"), 2, baseId), (model.Id(), model.GetProperty("version").GetInt32(), model.Id("parentModelId")));
        var history = await (await client.GetAsync("/models/toy/history")).OkJsonAsync();
        Assert.Equal(baseId, history.GetProperty("versions")[1].Id("parentModelId"));
        Assert.Equal(JsonValueKind.Null, history.GetProperty("versions")[0].GetProperty("parentModelId").ValueKind);

        // Its one epoch starts where 30 epochs of the base ended (about the base's best training loss; the default weight
        // decay keeps that well above zero), far below a fresh model's first epoch.
        var baseLosses = (await (await client.GetAsync($"/jobs/{baseJob.Id()}/metrics")).OkJsonAsync()).EnumerateArray()
            .Select(m => m.GetProperty("trainLoss").GetDouble()).ToList();
        var tunedFirst = (await (await client.GetAsync($"/jobs/{tuned.Id()}/metrics")).OkJsonAsync())[0].GetProperty("trainLoss").GetDouble();
        Assert.True(tunedFirst < baseLosses[0] / 2 && tunedFirst < baseLosses.Min() * 1.25,
            $"fine-tuned first epoch {tunedFirst}, the base's {baseLosses.Count} epochs {string.Join(", ", baseLosses.Select(l => l.ToString("F3")))}");
    }

    [Fact]
    public async Task FineTuningOnAnotherDatasetKeepsTheBaseVocabularyAndMarksNewWordsUnknown()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var baseId = (await client.WaitForSuccessAsync((await client.TrainAsync(Base())).Id())).Id("modelId");
        // "zorbly" is in neither the base vocabulary nor the pretrained table the base model reads other words from.
        var csv = "text,label\n" + string.Concat(Enumerable.Repeat("a zorbly film,1\na dreadful film,0\n", 10));
        await (await client.PostJsonAsync("/datasets", new { name = "films", task = "sentiment", format = "csv", content = csv }))
            .OkJsonAsync(HttpStatusCode.Created);

        var tuned = await client.WaitForSuccessAsync((await client.TrainAsync(
            new { task = "sentiment", dataset = "films", initFrom = baseId.ToString(), hyperparameters = new { epochs = 2 } })).Id());

        var baseModel = await (await client.GetAsync($"/models/{baseId}")).OkJsonAsync();
        var tunedModel = await (await client.GetAsync($"/models/{tuned.Id("modelId")}")).OkJsonAsync();
        Assert.Equal(baseModel.GetProperty("vocabularySize").GetInt32(), tunedModel.GetProperty("vocabularySize").GetInt32());
        Assert.Equal(baseId, tunedModel.Id("parentModelId"));
        var prediction = await (await client.PostJsonAsync("/predict", new { model = tuned.Id("modelId").ToString(), text = "a zorbly film" })).OkJsonAsync();
        Assert.Contains("zorbly", prediction.GetProperty("predictions")[0].GetProperty("unknownWords").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task ABaseThatDoesNotFitIsRejectedNamingTheField()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitForSuccessAsync((await client.TrainAsync(Base())).Id());

        await (await client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", architecture = "gru", initFrom = "toy" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "architecture");
        await (await client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", initFrom = "toy", hyperparameters = new { hiddenSize = 32 } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.hiddenSize");
        await (await client.PostJsonAsync("/train", new { task = "charlm", dataset = "hamlet", initFrom = "toy@1" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "initFrom");
        await (await client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", initFrom = "nope" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "initFrom");
        await (await client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", initFrom = "toy@7" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "initFrom");
        await (await client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", initFrom = Guid.NewGuid().ToString() }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "initFrom");
        Assert.Equal(1, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task FineTuningACharModelOnTextOfTheOtherLineModeOrWithCharactersItNeverSawIsRejectedAtTrain()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var tiny = new { hiddenSize = 8, embeddingSize = 4, epochs = 1 };
        var linesId = (await client.WaitForSuccessAsync((await client.TrainAsync(
            new { task = "charlm", dataset = "us-names", name = "lines", hyperparameters = tiny })).Id())).Id("modelId");
        await client.WaitForSuccessAsync((await client.TrainAsync(new { task = "charlm", dataset = "hamlet", name = "prose", hyperparameters = tiny })).Id());

        // us-names is one name per line, hamlet one continuous text: the engine could not train either base on the other.
        var linesOnProse = await (await client.PostJsonAsync("/train", new { task = "charlm", dataset = "hamlet", initFrom = "lines" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "initFrom");
        Assert.Contains("lines", linesOnProse.GetProperty("errors").GetProperty("initFrom")[0].GetString());
        await (await client.PostJsonAsync("/train", new { task = "charlm", dataset = "us-names", initFrom = "prose" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "initFrom");
        await (await client.PostJsonAsync("/train?dryRun=true", new { task = "charlm", dataset = "hamlet", initFrom = "lines" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "initFrom");
        Assert.Equal(2, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());

        // us-names is lowercase: capitalised names would be read as unknown and never written, so they are refused.
        await (await client.PostJsonAsync("/datasets", new { name = "capitals", task = "charlm", format = "text", content = "Ada\nBea\nada\n", lineMode = true }))
            .OkJsonAsync(HttpStatusCode.Created);
        var capitals = await (await client.PostJsonAsync("/train", new { task = "charlm", dataset = "capitals", initFrom = "lines" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        Assert.StartsWith("The base model (initFrom) never saw 2 of this data's characters ('A' 'B')",
            capitals.GetProperty("errors").GetProperty("dataset")[0].GetString());

        // An upload in line mode fits the line model.
        await (await client.PostJsonAsync("/datasets", new { name = "more-names", task = "charlm", format = "text", content = "ada\nbea\ncy\n", lineMode = true }))
            .OkJsonAsync(HttpStatusCode.Created);
        var tuned = await client.WaitForSuccessAsync((await client.TrainAsync(
            new { task = "charlm", dataset = "more-names", initFrom = "lines", hyperparameters = new { epochs = 1, validationFraction = 0 } })).Id());
        Assert.Equal(linesId, (await (await client.GetAsync($"/models/{tuned.Id("modelId")}")).OkJsonAsync()).Id("parentModelId"));
    }
}
