namespace RnnService.Api.Tests;

/// <summary>Issue 13: GET /models carries each model's final metrics, so the models page needs one request.</summary>
public sealed class ModelListTests
{
    [Fact]
    public async Task TheModelListCarriesEachModelsFinalMetrics()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 3))).Id())).Id("modelId");
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 2))).Id())).Id("modelId");

        var items = (await (await client.GetAsync("/models")).OkJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([names, sentiment], items.Select(i => i.Id()));
        foreach (var item in items)
        {
            var full = await (await client.GetAsync($"/models/{item.Id()}")).OkJsonAsync();
            var listed = item.GetProperty("finalMetrics");
            Assert.Equal(full.GetProperty("finalMetrics").ToString(), listed.ToString());
        }
        Assert.Equal(3, items[1].GetProperty("finalMetrics").GetProperty("epoch").GetInt32());
        Assert.True(items[1].GetProperty("finalMetrics").GetProperty("trainAccuracy").GetDouble() > 0);
        Assert.Equal(2, items[0].GetProperty("finalMetrics").GetProperty("epoch").GetInt32());
        Assert.True(items[0].GetProperty("finalMetrics").GetProperty("perplexity").GetDouble() > 1);
    }
}
