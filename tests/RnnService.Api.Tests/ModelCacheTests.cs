using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Api.Monitoring;

namespace RnnService.Api.Tests;

public sealed class ModelCacheTests
{
    [Fact]
    public async Task AModelDeletedThroughAnotherHostStopsBeingServedFromThisHostsCache()
    {
        // Two hosts on one database, each with its own model cache; the second's cached copy is checked again once it is 200 ms old.
        var settings = new Dictionary<string, string?> { ["Inference:ModelRevalidateInterval"] = "00:00:00.200" };
        await using var first = new RnnServiceFactory(settings);
        await using var second = new RnnServiceFactory(settings, first.Folder);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var modelId = (await firstClient.WaitForSuccessAsync((await firstClient.TrainAsync(Jobs.Sentiment(epochs: 3))).Id())).Id("modelId");
        var predict = new { modelId, texts = new[] { "good" } };
        await (await secondClient.PostJsonAsync("/predict", predict)).OkJsonAsync();   // now in the second host's cache

        Assert.Equal(HttpStatusCode.NoContent, (await firstClient.DeleteAsync($"/models/{modelId}")).StatusCode);

        // The first host evicted it when it deleted it; the second finds out by revalidating its cached copy.
        await (await firstClient.PostJsonAsync("/predict", predict)).AssertProblemAsync(HttpStatusCode.NotFound);
        await Poll.UntilAsync(async () => (await secondClient.PostJsonAsync("/predict", predict)).StatusCode,
            status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), "/predict on the second host to answer 404");
    }

    [Fact]
    public async Task TheCacheKeepsTheMostRecentlyUsedModelsUpToItsSizeAndLoadsAnEvictedOneAgain()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:ModelCacheSize"] = "2" });
        using var client = factory.CreateClient();
        var ids = new List<Guid>();
        for (int i = 0; i < 4; i++)
            ids.Add((await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id())).Id("modelId"));
        var cache = factory.Services.GetRequiredService<ModelCache>();
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RnnDbContext>();
        Task<Engine.Models.RnnModel?> Get(int i) => cache.GetAsync(ids[i], db, default);

        var (a, b) = (await Get(0), await Get(1));
        Assert.Same(a, await Get(0));   // a hit makes model 0 the most recently used
        var c = await Get(2);           // so loading model 2 evicts model 1
        Assert.Equal(2, cache.Count);
        Assert.Same(a, await Get(0));
        Assert.Same(c, await Get(2));
        var bAgain = await Get(1);      // read from the database again; model 0 is now the least recently used
        Assert.NotNull(bAgain);
        Assert.NotSame(b, bAgain);
        Assert.NotSame(a, await Get(0));
        Assert.Equal(2, cache.Count);
        // Three models made way for others (1, then 0, then 2 for 0 again), and each eviction was counted.
        var scrape = await PrometheusScrape.GetAsync(client);
        Assert.Equal(3, scrape.Value("rnnservice_model_cache_evictions_total", ("reason", "capacity")));

        // A deleted model leaves the cache whole: deleting the least recently used (1) leaves it no place in the order,
        // so the next eviction is a cached model's, counted once.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/models/{ids[1]}")).StatusCode);
        Assert.Equal(1, cache.Count);
        Assert.NotNull(await Get(2));
        Assert.NotNull(await Get(3));   // evicts model 0, the least recently used of the three
        Assert.Equal(2, cache.Count);
        var after = await PrometheusScrape.GetAsync(client);
        Assert.Equal(4, after.Value("rnnservice_model_cache_evictions_total", ("reason", "capacity")));
        Assert.Equal(1, after.Value("rnnservice_model_cache_evictions_total", ("reason", "deleted")));
    }

    [Fact]
    public async Task ACachedModelYoungerThanTheRevalidateIntervalIsServedWithoutAskingTheDatabaseAndAnOlderOneIsChecked()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 1))).Id())).Id("modelId");
        // Two caches beside the host's, as two replicas would hold: neither hears of the delete below, each finds out only by asking.
        var metrics = factory.Services.GetRequiredService<RnnMetrics>();
        var patient = new ModelCache(Options.Create(new InferenceOptions { ModelRevalidateInterval = TimeSpan.FromHours(1) }), metrics);
        var eager = new ModelCache(Options.Create(new InferenceOptions { ModelRevalidateInterval = TimeSpan.Zero }), metrics);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RnnDbContext>();
        var kept = await patient.GetAsync(modelId, db, default);
        Assert.NotNull(kept);
        Assert.NotNull(await eager.GetAsync(modelId, db, default));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/models/{modelId}")).StatusCode);

        Assert.Same(kept, await patient.GetAsync(modelId, db, default));
        Assert.Null(await eager.GetAsync(modelId, db, default));
        Assert.Equal(0, eager.Count);
    }
}
