using System.Net;
using System.Text.Json;
using RnnService.Engine.Models;
using RnnService.Engine.Serialization;

namespace RnnService.Api.Tests;

/// <summary>Issue 13: /generate's minLength, maxLength, prefix and stop controls, on a us-names model.</summary>
public sealed class GenerationControlsTests
{
    private static List<string> Samples(JsonElement answer) => answer.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList();

    [Fact]
    public async Task EverySampleStartsWithThePrefixAndKeepsWithinMinAndMaxLength()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var freeAnswer = await (await client.PostJsonAsync("/generate", new { modelId, count = 40, maxLength = 20, seed = 5 })).OkJsonAsync();
        var free = Samples(freeAnswer);
        Assert.Contains(free, s => s.Length < 6);   // without minLength, short names happen: the check below can fail
        Assert.False(freeAnswer.TryGetProperty("rejected", out _), "training lines were excluded without excludeTrainingSamples");

        var answer = await (await client.PostJsonAsync("/generate", new { modelId, prefix = "jo", minLength = 6, maxLength = 8, count = 40, seed = 5 })).OkJsonAsync();
        var samples = Samples(answer);
        Assert.Equal(40, samples.Count);
        Assert.All(samples, s => Assert.StartsWith("jo", s));
        Assert.All(samples, s => Assert.InRange(s.Length, 6, 8));

        // The prefix follows the prompt and counts towards maxLength like the characters after it.
        var prompted = Samples(await (await client.PostJsonAsync("/generate", new { modelId, prompt = "m", prefix = "ar", maxLength = 2, count = 3, seed = 1 })).OkJsonAsync());
        Assert.All(prompted, s => Assert.Equal("mar", s));
    }

    [Fact]
    public async Task TopKOfOneAndATinyTopPEachWriteTheMostLikelyNameWhateverTheSeed()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        async Task<List<string>> Generate(object body) => Samples(await (await client.PostJsonAsync("/generate", body)).OkJsonAsync());

        Assert.True((await Generate(new { modelId, count = 20, maxLength = 12, seed = 1 })).Distinct().Count() > 1);   // unrestricted, names vary
        var topK = await Generate(new { modelId, topK = 1, count = 20, maxLength = 12, seed = 1 });
        var topP = await Generate(new { modelId, topP = 0.01, count = 20, maxLength = 12, seed = 2 });
        Assert.Equal(topK[0], Assert.Single(topK.Distinct()));
        Assert.Equal(topK[0], Assert.Single(topP.Distinct()));
    }

    [Fact]
    public async Task WithoutMaxLengthALineModelWritesUpToItsLongestNamePlusAMarginAndSaysSo()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        // us-names' longest name has 13 characters: 13 + 5 = 18 (a quarter more would be only 17).
        int fitted = TrainingNames().Max(n => n.Length) + 5;
        Assert.Equal(18, fitted);
        var answer = await (await client.PostJsonAsync("/generate", new { modelId, count = 20, seed = 2 })).OkJsonAsync();
        Assert.Equal(fitted, answer.GetProperty("maxLength").GetInt32());
        Assert.Equal(20, Samples(answer).Count);
        Assert.All(Samples(answer), s => Assert.True(s.Length <= fitted, s));

        // A request's own maxLength wins, above the default too, and is echoed.
        var asked = await (await client.PostJsonAsync("/generate", new { modelId, count = 2, maxLength = 40, seed = 2 })).OkJsonAsync();
        Assert.Equal(40, asked.GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task ASampleEndsBeforeTheFirstStopStringItWrites()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var request = new { modelId, count = 30, maxLength = 20, seed = 11, temperature = 1.0 };
        var free = Samples(await (await client.PostJsonAsync("/generate", request)).OkJsonAsync());
        var stopped = Samples(await (await client.PostJsonAsync("/generate", new { request.modelId, request.count, request.maxLength, request.seed, request.temperature, stop = new[] { "a", "e" } })).OkJsonAsync());
        Assert.Contains(free, s => s.Contains('a') || s.Contains('e'));
        Assert.All(stopped, s => Assert.DoesNotContain('a', s));
        Assert.All(stopped, s => Assert.DoesNotContain('e', s));
        // Same seed, same draws: each stopped sample is the free sample cut before its first "a" or "e".
        for (int i = 0; i < free.Count; i++)
        {
            int cut = free[i].IndexOfAny(['a', 'e']);
            Assert.Equal(cut < 0 ? free[i] : free[i][..cut], stopped[i]);
        }
    }

    [Fact]
    public async Task ExcludingTrainingSamplesReturnsOnlyNewNamesAndCountsTheRejectedCandidates()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 3))).Id())).Id("modelId");
        var training = TrainingNames();

        var request = new { modelId, count = 30, maxLength = 12, seed = 4, temperature = 0.7 };
        var free = Samples(await (await client.PostJsonAsync("/generate", request)).OkJsonAsync());
        int known = free.Count(training.Contains);
        Assert.True(known > 0, $"The model wrote no training name in {string.Join(", ", free)}: the check below could not fail");

        var answer = await (await client.PostJsonAsync("/generate", new
        {
            request.modelId, request.count, request.maxLength, request.seed, request.temperature, excludeTrainingSamples = true,
        })).OkJsonAsync();
        var fresh = Samples(answer);
        Assert.Equal(30, fresh.Count);
        Assert.DoesNotContain(fresh, training.Contains);
        // The first round is the plain request's draws: its new names come first, its training names were rejected.
        Assert.Equal(free.Where(s => !training.Contains(s)), fresh.Take(30 - known));
        Assert.True(answer.GetProperty("rejected").GetInt32() >= known);
        Assert.False((await (await client.PostJsonAsync("/generate", request)).OkJsonAsync()).TryGetProperty("rejected", out _));

        // Greedy decoding writes the same name every time: when that is a training name, no candidate is new.
        var greedy = Samples(await (await client.PostJsonAsync("/generate", new { modelId, prompt = "m", temperature = 0, maxLength = 12 })).OkJsonAsync())[0];
        var stuck = await client.PostJsonAsync("/generate", new { modelId, prompt = "m", temperature = 0, maxLength = 12, count = 2, excludeTrainingSamples = true });
        if (training.Contains(greedy))
        {
            var problem = await stuck.AssertProblemAsync((HttpStatusCode)422);
            Assert.Contains("Found 0 of 2", problem.GetProperty("detail").GetString());
            Assert.Contains("10 were training lines", problem.GetProperty("detail").GetString());
        }
        else Assert.Equal(0, (await stuck.OkJsonAsync()).GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task ALineModelsDownloadedWeightsCarryNoTrainingLinesWhileTheServerStillExcludesThem()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");

        var file = await (await client.GetAsync($"/models/{modelId}/weights")).Content.ReadAsByteArrayAsync();

        Assert.Equal(["config", "format"], SafeTensors.Read(file).Metadata.Keys.Order());
        Assert.Null(((CharLanguageModel)RnnModel.FromSafetensors(file)).TrainingLines);
        await using (var db = factory.OpenDatabase())
        {
            var stored = db.ModelWeights.Single(w => w.ModelId == modelId).Bytes;
            Assert.Equal(TrainingNames().Count, ((CharLanguageModel)RnnModel.FromSafetensors(stored)).TrainingLines!.Count);
        }
        var answer = await (await client.PostJsonAsync("/generate", new { modelId, count = 5, maxLength = 12, excludeTrainingSamples = true })).OkJsonAsync();
        Assert.Equal(5, answer.GetProperty("samples").GetArrayLength());
    }

    [Fact]
    public async Task ExcludingTrainingSamplesNeedsALineModelThatKeptItsLinesAndTheRefusalFreesItsSlot()
    {
        // One inference slot and no light requests: a refusal that kept its slot would leave the next request waiting, then 503.
        await using var factory = new RnnServiceFactory(new()
        {
            ["Inference:MaxConcurrentRequests"] = "1", ["Inference:LightRequestCharacters"] = "0", ["Inference:QueueWait"] = "00:00:00.200",
        });
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.TinyHamlet())).Id())).Id("modelId");
        var problem = await (await client.PostJsonAsync("/generate", new { modelId, maxLength = 5, excludeTrainingSamples = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "excludeTrainingSamples");
        Assert.Contains("line models", problem.GetProperty("errors").GetProperty("excludeTrainingSamples")[0].GetString());
        await (await client.PostJsonAsync("/generate", new { modelId, maxLength = 5, excludeTrainingSamples = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "excludeTrainingSamples");
        Assert.Single(Samples(await (await client.PostJsonAsync("/generate", new { modelId, maxLength = 5, seed = 1 })).OkJsonAsync()));
        // Five candidates per sample count against the work budget.
        await (await client.PostJsonAsync("/generate", new { modelId, count = 10, maxLength = 100, excludeTrainingSamples = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "excludeTrainingSamples");
    }

    [Fact]
    public async Task ALineModelStoredWithoutItsTrainingLinesIsToldToRetrainToExcludeThem()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        // As a model trained before the lines were kept was stored.
        await factory.RewriteStoredModelAsync(modelId, model => ModelSerializer.Write(model.Config, model.Network, trainingLines: null));

        var problem = await (await client.PostJsonAsync("/generate", new { modelId, maxLength = 5, excludeTrainingSamples = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "excludeTrainingSamples");
        Assert.Contains("retrain it", problem.GetProperty("errors").GetProperty("excludeTrainingSamples")[0].GetString());
        Assert.Equal(3, Samples(await (await client.PostJsonAsync("/generate", new { modelId, count = 3, maxLength = 5 })).OkJsonAsync()).Count);
    }

    private static HashSet<string> TrainingNames()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder!.FullName, "RnnService.sln"))) folder = folder.Parent;
        var path = Path.Combine(folder.FullName, "src", "RnnService.Engine", "Data", "BuiltIn", "us-names.txt");
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet();
    }

    [Fact]
    public async Task BadGenerationControlsAreProblemsNamingTheField()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = Guid.NewGuid();
        await (await client.PostJsonAsync("/generate", new { modelId, minLength = 30, maxLength = 20 })).AssertProblemAsync(HttpStatusCode.BadRequest, "minLength");
        await (await client.PostJsonAsync("/generate", new { modelId, minLength = -1 })).AssertProblemAsync(HttpStatusCode.BadRequest, "minLength");
        await (await client.PostJsonAsync("/generate", new { modelId, prefix = "abcdef", maxLength = 5 })).AssertProblemAsync(HttpStatusCode.BadRequest, "prefix");
        await (await client.PostJsonAsync("/generate", new { modelId, stop = new[] { "a", "" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "stop[1]");
        await (await client.PostJsonAsync("/generate", new { modelId, stop = new[] { "a", "b", "c", "d", "e" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "stop");
        await (await client.PostJsonAsync("/generate", new { modelId, stop = new[] { new string('x', 51) } })).AssertProblemAsync(HttpStatusCode.BadRequest, "stop[0]");
    }
}
