using System.Net;
using System.Text.Json;

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

        var free = Samples(await (await client.PostJsonAsync("/generate", new { modelId, count = 40, maxLength = 20, seed = 5 })).OkJsonAsync());
        Assert.Contains(free, s => s.Length < 6);   // without minLength, short names happen: the check below can fail

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
