using System.Net;

namespace RnnService.Api.Tests;

/// <summary>Sentiment jobs start from GloVe's vectors by default; a request can turn them off or ask for other sizes.</summary>
public sealed class PretrainedEmbeddingsTests : ServiceTest
{
    private async Task<(string? Vectors, int EmbeddingSize)> ChosenAsync(object? hyperparameters)
    {
        var job = await _client.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", hyperparameters });
        var hp = job.GetProperty("hyperparameters");
        return (hp.GetProperty("pretrainedEmbeddings").GetString(), hp.GetProperty("embeddingSize").GetInt32());
    }

    [Fact]
    public async Task ADefaultSentimentJobShowsTheGloveVectorsItChose()
    {
        Assert.Equal(("glove-6b-100d", 100), await ChosenAsync(null));
        Assert.Equal(("glove-6b-100d", 100), await ChosenAsync(new { embeddingSize = 100 }));
    }

    [Fact]
    public async Task AnotherEmbeddingSizeOrNoneLearnsTheEmbedding()
    {
        Assert.Equal((null, 16), await ChosenAsync(new { embeddingSize = 16 }));
        Assert.Equal((null, 100), await ChosenAsync(new { pretrainedEmbeddings = "none" }));
    }

    [Fact]
    public async Task UnknownVectorsOrAMismatchedSizeIsA400NamingTheField()
    {
        await (await _client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { pretrainedEmbeddings = "word2vec" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.pretrainedEmbeddings");
        await (await _client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { pretrainedEmbeddings = "glove-6b-100d", embeddingSize = 32 } })).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.embeddingSize");
        await (await _client.PostJsonAsync("/train", new { task = "charlm", dataset = "hamlet",
            hyperparameters = new { pretrainedEmbeddings = "glove-6b-100d", embeddingSize = 100 } })).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.pretrainedEmbeddings");
    }

    [Fact]
    public async Task ATrainedModelReadsWordsItsTrainingTextsLackFromTheVectors()
    {
        var job = await _client.WaitForSuccessAsync((await _client.TrainAsync(Jobs.Sentiment(epochs: 10))).Id());

        var prediction = await (await _client.PostJsonAsync("/predict", new { modelId = job.Id("modelId"), text = "a splendid qqzzx film" })).OkJsonAsync();

        Assert.Equal(["a", "qqzzx"], prediction.GetProperty("predictions")[0].GetProperty("unknownWords").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public async Task AFineTuningJobKeepsItsBaseModelsVectors()
    {
        var baseJob = await _client.WaitForSuccessAsync((await _client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id());

        await (await _client.PostJsonAsync("/train", new { task = "sentiment", dataset = "toy-sentiment", initFrom = baseJob.Id("modelId").ToString(),
            hyperparameters = new { pretrainedEmbeddings = "none" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.pretrainedEmbeddings");
        var tuned = await _client.TrainAsync(new { task = "sentiment", dataset = "toy-sentiment", initFrom = baseJob.Id("modelId").ToString() });
        Assert.Equal("glove-6b-100d", tuned.GetProperty("hyperparameters").GetProperty("pretrainedEmbeddings").GetString());
    }
}
