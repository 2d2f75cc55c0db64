using System.Net;

namespace RnnService.Api.Tests;

[Collection(AllocationCounting.Name)]
public sealed class DatasetPreviewTests
{
    [Fact]
    public async Task ThePreviewShowsTheFirstRowsOfBuiltInAndUploadedDatasets()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var toy = await (await client.GetAsync("/datasets/toy-sentiment/preview?rows=3")).OkJsonAsync();
        Assert.Equal("sentiment", toy.GetProperty("task").GetString());
        Assert.Equal(78, toy.GetProperty("samples").GetInt32());
        Assert.Equal([("good", 1), ("bad", 0), ("happy", 1)],
            toy.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("text").GetString(), r.GetProperty("label").GetInt32())));

        var names = await (await client.GetAsync("/datasets/us-names/preview")).OkJsonAsync();
        Assert.Equal(10, names.GetProperty("rows").GetArrayLength());
        Assert.All(names.GetProperty("rows").EnumerateArray(), r => Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("label").ValueKind));

        var jsonl = "{\"text\": \"so good\", \"label\": 1}\n{\"text\": \"so bad\", \"label\": 0}\n";
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/datasets", new { name = "tiny", task = "sentiment", format = "jsonl", content = jsonl })).StatusCode);
        var tiny = await (await client.GetAsync("/datasets/tiny/preview?rows=100")).OkJsonAsync();
        Assert.Equal(["so good", "so bad"], tiny.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("text").GetString()));
        Assert.Equal(2, tiny.GetProperty("samples").GetInt32());
    }

    [Fact]
    public async Task APreviewOfABigUploadReadsOnlyTheStartOfItsContent()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        // 400,000 lines, 8 MB: held as a .NET string the whole content would be 16 MB.
        var content = string.Join('\n', Enumerable.Range(0, 400_000).Select(i => $"line number {i:D7}"));
        await (await client.PostJsonAsync("/datasets", new { name = "big", task = "charlm", format = "text", lineMode = true, content }))
            .OkJsonAsync(HttpStatusCode.Created);
        await (await client.GetAsync("/datasets/big/preview?rows=1")).OkJsonAsync(); // the first call compiles the query

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var preview = await (await client.GetAsync("/datasets/big/preview?rows=100")).OkJsonAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(400_000, preview.GetProperty("samples").GetInt32());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"line number {i:D7}"),
            preview.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("text").GetString()));
        // The counter is the process's, so test classes running alongside add to it (2.5 MB seen under CI); reading the whole
        // content allocated 105 MB, and the content as one string alone is 16 MB.
        Assert.True(allocated < 12_000_000, $"The preview allocated {allocated:N0} bytes: it read more than the start of the content.");
    }

    [Fact]
    public async Task AnUnknownDatasetIs404AndABadRowCountIs400()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        await (await client.GetAsync("/datasets/nope/preview")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/datasets/hamlet/preview?rows=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "rows");
        await (await client.GetAsync("/datasets/hamlet/preview?rows=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "rows");
    }

    [Fact]
    public async Task TheDashboardIsServedAtTheRootBesideSwaggerAndOpenApi()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var root = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Contains("RnnService", await root.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/js/app.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/swagger/index.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }
}
