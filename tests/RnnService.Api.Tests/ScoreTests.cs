using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Api.Registry;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>Issue 13: POST /score against the model's own next-character distribution, computed separately.</summary>
public sealed class ScoreTests
{
    [Fact]
    public async Task ScoringANameGivesEachCharacterAndTheEndMarkerTheProbabilityTheModelGivesItAfterItsPrefix()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var body = await (await client.PostJsonAsync("/score", new { modelId, text = "maria", top = 3 })).OkJsonAsync();
        var score = body.GetProperty("scores")[0];
        var characters = score.GetProperty("characters").EnumerateArray().ToList();
        Assert.Equal(["m", "a", "r", "i", "a", "<eos>"], characters.Select(c => c.GetProperty("character").GetString()));
        Assert.Equal([0, 1, 2, 3, 4, 5], characters.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Empty(score.GetProperty("unknownCharacters").EnumerateArray());

        var model = await CachedModelAsync(factory, modelId);
        double total = 0;
        for (int i = 0; i < characters.Count; i++)
        {
            var expected = model.NextCharacters("maria"[..i], 100);
            var actual = characters[i];
            double p = expected.Single(n => n.Character == actual.GetProperty("character").GetString()).Probability;
            Assert.Equal(p, actual.GetProperty("probability").GetDouble(), 5);
            Assert.Equal(-Math.Log2(p), actual.GetProperty("surprisal").GetDouble(), 4);
            total += -Math.Log2(p);
            var alternatives = actual.GetProperty("alternatives").EnumerateArray().ToList();
            Assert.Equal(expected.Take(3).Select(n => n.Character), alternatives.Select(a => a.GetProperty("character").GetString()));
            Assert.Equal(expected[0].Probability, alternatives[0].GetProperty("probability").GetDouble(), 5);
        }
        Assert.Equal(total, score.GetProperty("totalSurprisal").GetDouble(), 3);
        Assert.Equal(total / 6, score.GetProperty("bitsPerCharacter").GetDouble(), 3);
    }

    [Fact]
    public async Task ScoringContinuousTextLongerThanOneWindowMatchesTheNextCharacterDistributionAfterEachPrefix()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(new
        {
            task = "charlm", dataset = "hamlet", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 1 },
        })).Id())).Id("modelId");
        // 300 characters: scoring runs in windows of 256 steps, so position 290 depends on the carried state.
        var text = string.Concat(Enumerable.Repeat("To be, or not to be: that is the question. ", 7))[..300];

        var body = await (await client.PostJsonAsync("/score", new { modelId, texts = new[] { text } })).OkJsonAsync();
        var characters = body.GetProperty("scores")[0].GetProperty("characters");
        Assert.Equal(299, characters.GetArrayLength());   // every character after the first
        var model = await CachedModelAsync(factory, modelId);
        foreach (int index in new[] { 1, 2, 100, 256, 257, 290, 299 })
        {
            var position = characters[index - 1];
            Assert.Equal(index, position.GetProperty("index").GetInt32());
            Assert.Equal(text[index].ToString(), position.GetProperty("character").GetString());
            Assert.Equal(5, position.GetProperty("alternatives").GetArrayLength());
            double expected = model.NextCharacters(text[..index], 200).Single(n => n.Character == text[index].ToString()).Probability;
            Assert.Equal(expected, position.GetProperty("probability").GetDouble(), 5);
        }
    }

    [Fact]
    public async Task AContinuousModelRefusesAOneCharacterTextWith400NamingThatText()
    {
        // A continuous model predicts every character after the first, so a text needs two (a line model scores the end marker).
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.TinyHamlet())).Id())).Id("modelId");

        await (await client.PostJsonAsync("/score", new { modelId, texts = new[] { "To", "T", "be" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "texts[1]");
        await (await client.PostJsonAsync("/score", new { modelId, text = "T" })).AssertProblemAsync(HttpStatusCode.BadRequest, "text");
        await (await client.PostJsonAsync("/predict", new { modelId, texts = new[] { "To", "T" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "texts");
        await (await client.PostJsonAsync("/predict", new { modelId, text = "T" })).AssertProblemAsync(HttpStatusCode.BadRequest, "text");
        Assert.Equal(2, (await (await client.PostJsonAsync("/score", new { modelId, texts = new[] { "To", "be" } })).OkJsonAsync())
            .GetProperty("scores").GetArrayLength());
    }

    [Fact]
    public async Task CharactersOutsideTheAlphabetAreListedAndLeftOutOfTheTotal()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var score = (await (await client.PostJsonAsync("/score", new { modelId, text = "Zoë" })).OkJsonAsync()).GetProperty("scores")[0];
        Assert.Equal(["Z", "ë"], score.GetProperty("unknownCharacters").EnumerateArray().Select(c => c.GetString()));
        var characters = score.GetProperty("characters").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, characters[0].GetProperty("probability").ValueKind);
        Assert.Equal(JsonValueKind.Null, characters[0].GetProperty("surprisal").ValueKind);
        Assert.Equal(JsonValueKind.Null, characters[2].GetProperty("surprisal").ValueKind);
        double known = characters[1].GetProperty("surprisal").GetDouble() + characters[3].GetProperty("surprisal").GetDouble();
        Assert.Equal(known, score.GetProperty("totalSurprisal").GetDouble(), 4);

        var generated = await (await client.PostJsonAsync("/generate", new { modelId, prompt = "MAR", maxLength = 3, seed = 1 })).OkJsonAsync();
        Assert.Equal(["M", "A", "R"], generated.GetProperty("unknownCharacters").EnumerateArray().Select(c => c.GetString()));
        var plain = await (await client.PostJsonAsync("/generate", new { modelId, prompt = "mar", maxLength = 3, seed = 1 })).OkJsonAsync();
        Assert.Empty(plain.GetProperty("unknownCharacters").EnumerateArray());
    }

    [Fact]
    public async Task BadScoreRequestsAreProblemsNamingTheField()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await (await client.PostJsonAsync("/score", new { text = "maria" })).AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");
        await (await client.PostJsonAsync("/score", new { modelId = Guid.NewGuid(), text = "maria", top = 0 })).AssertProblemAsync(HttpStatusCode.BadRequest, "top");
        await (await client.PostJsonAsync("/score", new { modelId = Guid.NewGuid(), text = "maria", top = 21 })).AssertProblemAsync(HttpStatusCode.BadRequest, "top");
        await (await client.PostJsonAsync("/score", new { modelId = Guid.NewGuid(), texts = new[] { "ok", " " } })).AssertProblemAsync(HttpStatusCode.BadRequest, "texts[1]");
        await (await client.PostJsonAsync("/score", new { modelId = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.BadRequest, "text");
        await (await client.PostJsonAsync("/score", new { modelId = Guid.NewGuid(), text = "maria" })).AssertProblemAsync(HttpStatusCode.NotFound);

        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id())).Id("modelId");
        await (await client.PostJsonAsync("/score", new { modelId = sentiment, text = "good" })).AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");
    }

    [Fact]
    public async Task TopIsInclusiveAtOneAndTwentyAndATextWithNoCharacterScoredHasNoBitsPerCharacter()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.TinyHamlet())).Id())).Id("modelId");

        foreach (var top in new[] { 1, 20 })
        {
            var position = (await (await client.PostJsonAsync("/score", new { modelId, text = "To", top })).OkJsonAsync())
                .GetProperty("scores")[0].GetProperty("characters")[0];
            Assert.Equal(top, position.GetProperty("alternatives").GetArrayLength());
        }

        // A continuous model scores every character after the first; here none is in its alphabet, so there is no mean.
        var score = (await (await client.PostJsonAsync("/score", new { modelId, text = "ëë" })).OkJsonAsync()).GetProperty("scores")[0];
        Assert.Equal(JsonValueKind.Null, score.GetProperty("characters")[0].GetProperty("surprisal").ValueKind);
        Assert.Equal(0, score.GetProperty("totalSurprisal").GetDouble());
        Assert.Equal(JsonValueKind.Null, score.GetProperty("bitsPerCharacter").ValueKind);
    }

    [Fact]
    public async Task APerplexityPastTheLargestDoubleIsLeftOutOfTheAnswerNotAnError()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        // Before anything loads it: the end marker's bias so high that every letter's probability underflows to zero.
        await factory.RewriteStoredModelAsync(modelId, model =>
        {
            var parameters = model.Network.Parameters;
            var bias = parameters.Slices.Single(p => p.Name == "head.bias");
            parameters.Values[bias.Offset + model.Config.Vocabulary.ToList().IndexOf("<eos>")] = 1e4f;
            return model.ToSafetensors();
        });

        // JSON has no Infinity: the field is left out, as for a sentiment model, and the rest is answered.
        var prediction = (await (await client.PostJsonAsync("/predict", new { modelId, text = "abc" })).OkJsonAsync()).GetProperty("predictions")[0];
        Assert.False(prediction.TryGetProperty("perplexity", out _));
        Assert.Equal("<eos>", prediction.GetProperty("nextCharacters")[0].GetProperty("character").GetString());
    }

    /// <summary>The engine model the endpoints use (loaded through the same cache).</summary>
    internal static async Task<TModel> CachedModelAsync<TModel>(RnnServiceFactory factory, Guid modelId) where TModel : RnnModel
    {
        using var scope = factory.Services.CreateScope();
        var model = await factory.Services.GetRequiredService<ModelCache>().GetAsync(modelId, scope.ServiceProvider.GetRequiredService<RnnDbContext>(), default);
        return Assert.IsType<TModel>(model);
    }

    private static Task<CharLanguageModel> CachedModelAsync(RnnServiceFactory factory, Guid modelId) => CachedModelAsync<CharLanguageModel>(factory, modelId);
}
