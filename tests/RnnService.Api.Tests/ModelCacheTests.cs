using System.Net;

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
}
