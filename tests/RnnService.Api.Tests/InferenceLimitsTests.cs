using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Api.Registry;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>Issue 14: abandoned inference stops, each request's work is bounded up front, inference requests
/// are capped and timed out while /health and /jobs stay answerable.</summary>
public sealed class InferenceLimitsTests
{
    // 400 samples × 5000 steps on a hidden-512 LSTM: many seconds of work, far past every wait below (100 samples took
    // under 2 s once generation read its input projection by token). Above the default count limit, so the factories
    // that send it raise Limits:MaxGenerateCount to HeavyCount.
    private const int HeavyCount = 400;
    private static StringContent Heavy(Guid modelId) => Json(new { modelId, count = HeavyCount, maxLength = 5000, seed = 1 });

    // Far past the heavy request's 2.4 × 10¹² multiply-adds, for the tests that need it admitted.
    private const string Unbounded = "1000000000000000";

    [Theory]
    [InlineData(999, "999")]
    [InlineData(1_000, "1 k")]
    [InlineData(999_999, "1000 k")]
    [InlineData(1_000_000, "1 M")]
    [InlineData(1_234_567, "1.23 M")]
    [InlineData(999_999_999, "1000 M")]
    [InlineData(1_000_000_000, "1 G")]
    [InlineData(20_000_000_000, "20 G")]
    public void QuantitiesAreWrittenInTheLargestUnitTheyReachWithAtMostTwoDecimals(long n, string written) =>
        Assert.Equal(written, InferenceLimits.Quantity(n));

    [Fact]
    public async Task AnAbandonedGenerateStopsSteppingWithinOneStepOfTheCancel()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:MaxRequestWork"] = Unbounded, ["Limits:MaxGenerateCount"] = $"{HeavyCount}" });
        using var client = factory.CreateClient();
        var (modelId, model) = await LoadHeavyModelAsync(factory, client);
        var slots = factory.Services.GetRequiredService<InferenceSlots>();
        long before = model.GenerationSteps;

        using var abandon = new CancellationTokenSource();
        var heavy = Task.Run(() => client.PostAsync("/generate", Heavy(modelId), abandon.Token));
        await WaitUntilAsync(() => model.GenerationSteps > before, "the heavy generation to start stepping");
        abandon.Cancel();
        long atCancel = model.GenerationSteps;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => heavy);
        // The handler holds its slot until the engine loop has returned, so a free slot means the loop has ended.
        await WaitUntilAsync(() => slots.Running == 0, "the abandoned request to release its slot");
        long afterCancel = model.GenerationSteps - atCancel;
        Assert.True(afterCancel <= 1, $"{afterCancel} steps ran after the client went away");
        Assert.True(model.GenerationSteps - before < 5000, "the generation ran to its end");
    }

    [Fact]
    public async Task OverBudgetRequestsOnABigModelAre400NamingTheFieldsWithTheirWorkAndTheLimit()
    {
        await using var factory = new RnnServiceFactory();   // the default Inference:MaxRequestWork, 2 × 10¹⁰
        using var client = factory.CreateClient();
        var (modelId, model) = await LoadHeavyModelAsync(factory, client);
        long perStep = model.MultiplyAddsPerStep;
        Assert.InRange(perStep, 1_000_000, 2_000_000);   // 4 × 512 × (64 + 512) + 512 × the alphabet

        // 20 samples × 1000 steps = 20,000 steps: over the budget, though one sample of the same length is far inside it.
        var generate = await (await client.PostJsonAsync("/generate", new { modelId, count = 20, maxLength = 1000 }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "count");
        var message = generate.GetProperty("errors").GetProperty("maxLength")[0].GetString()!;
        Assert.Contains($"20 samples × 1000 steps on a model of {InferenceLimits.Quantity(perStep)} multiply-adds per step = ", message);
        Assert.Contains($"({20_000 * perStep})", message);
        Assert.Contains("at most 20 G (20000000000, Inference:MaxRequestWork): ask for fewer samples or a shorter maxLength.", message);
        // The prompt runs once per sample, so it counts and is named.
        var prompted = await (await client.PostJsonAsync("/generate", new { modelId, prompt = new string('a', 500), count = 20, maxLength = 600 }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "prompt");
        Assert.Contains("20 samples × 1100 steps", prompted.GetProperty("errors").GetProperty("count")[0].GetString());
        // Up to 5 candidates per sample: excludeTrainingSamples multiplies the work, 20 × 5 × 200 = 20,000 steps.
        var excluding = await (await client.PostJsonAsync("/generate", new { modelId, count = 20, maxLength = 200, excludeTrainingSamples = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "excludeTrainingSamples");
        Assert.Contains("20 samples × 5 candidates × 200 steps", excluding.GetProperty("errors").GetProperty("count")[0].GetString());

        // 30 texts of 1000 characters, read once each (the perplexity and next characters come from one pass): 30,000 steps.
        var texts = Enumerable.Repeat(new string('a', 1000), 10).ToArray();
        var predict = await (await client.PostJsonAsync("/predict", new { modelId, texts = texts.Concat(texts).Concat(texts).ToArray() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "texts");
        Assert.Contains("30 texts of 30000 characters in all = 30000 steps", predict.GetProperty("errors").GetProperty("texts")[0].GetString());
        // /score runs each text once: one text fits, 30 (30,000 steps) do not.
        await (await client.PostJsonAsync("/score", new { modelId, texts = texts[..1] })).OkJsonAsync();
        var score = await (await client.PostJsonAsync("/score", new { modelId, texts = texts.Concat(texts).Concat(texts).ToArray() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "texts");
        Assert.Contains("send fewer or shorter texts", score.GetProperty("errors").GetProperty("texts")[0].GetString());
    }

    [Fact]
    public async Task WithEverySlotBusyTheNextHeavyRequestIs503WithRetryAfterWhileLightOnesHealthAndJobsAnswer()
    {
        await using var factory = new RnnServiceFactory(new()
        {
            ["Inference:MaxRequestWork"] = Unbounded, ["Inference:MaxConcurrentRequests"] = "1", ["Limits:MaxGenerateCount"] = $"{HeavyCount}",
            ["Inference:QueueWait"] = "00:00:00.200", ["Inference:BusyRetryAfterSeconds"] = "2",
            // Untimed, so the heavy request holds its slot until the test abandons it: the default 10 s timeout once ended it
            // (504) while the light requests below were still being answered beside it on a busy machine.
            ["Inference:RequestTimeout"] = "00:00:00",
        });
        using var client = factory.CreateClient();
        var (modelId, model) = await LoadHeavyModelAsync(factory, client);
        var slots = factory.Services.GetRequiredService<InferenceSlots>();
        long before = model.GenerationSteps;

        using var abandon = new CancellationTokenSource();
        var heavy = Task.Run(() => client.PostAsync("/generate", Heavy(modelId), abandon.Token));
        await WaitUntilAsync(() => model.GenerationSteps > before, "the heavy generation to start stepping");

        var refused = await client.PostAsync("/generate", Heavy(modelId));
        var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Inference:MaxConcurrentRequests", problem.GetProperty("detail").GetString());
        await (await client.PostAsync("/generate", Json(new { modelId, count = 1, maxLength = 500 }))).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);

        // A light request (at most Inference:LightRequestCharacters steps) needs no slot, and endpoints outside
        // inference do not queue behind it: they answer while the heavy request still runs.
        var scored = await (await client.PostJsonAsync("/predict", new { modelId, text = "to be" })).OkJsonAsync();
        Assert.True(scored.GetProperty("predictions")[0].GetProperty("perplexity").GetDouble() > 1);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.False(heavy.IsCompleted, "the heavy request finished before the other endpoints were asked");
        Assert.Equal(1, slots.Running);

        abandon.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => heavy);
        await WaitUntilAsync(() => slots.Running == 0, "the abandoned request to release its slot");
        // The slot is free again: a request that needs one is served.
        var served = await (await client.PostAsync("/generate", Json(new { modelId, count = 1, maxLength = 500, seed = 1 }))).OkJsonAsync();
        Assert.Single(served.GetProperty("samples").EnumerateArray());
    }

    [Fact]
    public async Task ARequestPastTheTimeoutIsStoppedAndAnswered504Problem()
    {
        await using var factory = new RnnServiceFactory(new()
        {
            ["Inference:MaxRequestWork"] = Unbounded, ["Inference:RequestTimeout"] = "00:00:02", ["Limits:MaxGenerateCount"] = $"{HeavyCount}",
        });
        using var client = factory.CreateClient();
        var (modelId, model) = await LoadHeavyModelAsync(factory, client);
        var slots = factory.Services.GetRequiredService<InferenceSlots>();
        long before = model.GenerationSteps;

        var response = await client.PostAsync("/generate", Heavy(modelId));

        var problem = await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        Assert.Equal("Inference timed out", problem.GetProperty("title").GetString());
        Assert.Contains("Inference:RequestTimeout", problem.GetProperty("detail").GetString());
        Assert.Equal(0, slots.Running);
        long stepsAtAnswer = model.GenerationSteps;
        Assert.True(stepsAtAnswer > before, "the request never started generating");
        Assert.True(stepsAtAnswer - before < 5000, "the generation ran to its end");
    }

    [Fact]
    public async Task ARequestTimeoutOfZeroLeavesInferenceUntimed()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:RequestTimeout"] = "00:00:00" });
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");

        var answer = await (await client.PostAsync("/generate", Json(new { modelId, count = 2, maxLength = 10, seed = 1 }))).OkJsonAsync();
        Assert.Equal(2, answer.GetProperty("samples").GetArrayLength());
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>Trains a one-epoch hidden-512 LSTM on Hamlet (continuous text: no end marker stops a sample),
    /// generates once so it is in the model cache, and returns the cached instance the endpoints use.</summary>
    private static async Task<(Guid Id, CharLanguageModel Model)> LoadHeavyModelAsync(RnnServiceFactory factory, HttpClient client)
    {
        var job = await client.WaitForSuccessAsync((await client.TrainAsync(new
        {
            task = "charlm", dataset = "hamlet", hyperparameters = new { hiddenSize = 512, embeddingSize = 64, epochs = 1 },
        })).Id());
        var modelId = job.Id("modelId");
        await (await client.PostAsync("/generate", Json(new { modelId, count = 1, maxLength = 1, seed = 1 }))).OkJsonAsync();
        using var scope = factory.Services.CreateScope();
        var model = await factory.Services.GetRequiredService<ModelCache>().GetAsync(modelId, scope.ServiceProvider.GetRequiredService<RnnDbContext>(), default);
        return (modelId, Assert.IsType<CharLanguageModel>(model));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {seconds} s waiting for {what}.");
            await Task.Delay(10);
        }
    }
}
