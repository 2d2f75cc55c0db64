using System.Net;
using System.Text;

namespace RnnService.Api.Tests;

public sealed class DatasetTests
{
    private static string SentimentCsv()
    {
        var csv = new StringBuilder("text,label\n");
        foreach (var (word, label) in new[] { ("great", 1), ("awful", 0), ("lovely", 1), ("horrid", 0) })
            foreach (var prefix in new[] { "", "so ", "truly ", "it was ", "the film was " })
                csv.Append($"{prefix}{word},{label}\n");
        return csv.ToString();
    }

    [Fact]
    public async Task AnUploadedSentimentDatasetIsListedAndTrainsAModel()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/datasets", new { name = "film-reviews", task = "sentiment", format = "csv", content = SentimentCsv() });

        var created = await response.OkJsonAsync(HttpStatusCode.Created);
        Assert.Equal("/datasets/film-reviews", response.Headers.Location?.ToString());
        Assert.Equal(20, created.GetProperty("samples").GetInt32());
        Assert.Equal("sentiment", created.GetProperty("task").GetString());
        Assert.Equal("csv", created.GetProperty("format").GetString());
        Assert.False(created.GetProperty("builtIn").GetBoolean());
        var listed = await (await client.GetAsync("/datasets")).OkJsonAsync();
        Assert.Equal(["toy-sentiment", "hamlet", "us-names", "imdb-sentences", "film-reviews"], listed.EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.Equal(20, (await (await client.GetAsync("/datasets/film-reviews")).OkJsonAsync()).GetProperty("samples").GetInt32());

        var job = await client.WaitForSuccessAsync((await client.TrainAsync(new
        {
            task = "sentiment", dataset = "film-reviews", hyperparameters = new { epochs = 30, validationFraction = 0 },
        })).Id());
        var prediction = await (await client.PostJsonAsync("/predict", new { modelId = job.Id("modelId"), texts = new[] { "great", "awful" } })).OkJsonAsync();
        Assert.Equal(["positive", "negative"], prediction.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("label").GetString()));

        // Finished jobs don't hold the dataset: it can be deleted, after which it is gone.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/datasets/film-reviews")).StatusCode);
        await (await client.GetAsync("/datasets/film-reviews")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUploadedLineModeTextDatasetTrainsACharModelThatGenerates()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var content = string.Join('\n', Enumerable.Repeat(new[] { "anna", "anne", "annie", "hanna", "hannah" }, 20).SelectMany(x => x));

        var created = await (await client.PostJsonAsync("/datasets", new { name = "a-names", task = "charlm", format = "text", lineMode = true, content })).OkJsonAsync(HttpStatusCode.Created);
        Assert.True(created.GetProperty("lineMode").GetBoolean());
        Assert.Equal(100, created.GetProperty("samples").GetInt32());

        var job = await client.WaitForSuccessAsync((await client.TrainAsync(new
        {
            task = "charlm", dataset = "a-names", hyperparameters = new { hiddenSize = 32, embeddingSize = 16, epochs = 15, learningRate = 0.02 },
        })).Id());
        var generated = await (await client.PostJsonAsync("/generate", new { modelId = job.Id("modelId"), temperature = 0, maxLength = 10 })).OkJsonAsync();
        Assert.Matches("^[ahnie]+$", Assert.Single(generated.GetProperty("samples").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task DuplicateAndBuiltInNamesConflictAndBuiltInsCannotBeDeleted()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var upload = new { name = "corpus", task = "charlm", format = "text", content = "to be or not to be" };
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/datasets", upload)).StatusCode);

        await (await client.PostJsonAsync("/datasets", upload)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.PostJsonAsync("/datasets", upload with { name = "hamlet" })).AssertProblemAsync(HttpStatusCode.Conflict);
        var problem = await (await client.DeleteAsync("/datasets/us-names")).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("built-in", problem.GetProperty("detail").GetString());
        Assert.Equal(4, (await (await client.GetAsync("/datasets")).OkJsonAsync()).EnumerateArray().Count(d => d.GetProperty("builtIn").GetBoolean()));
    }

    [Fact]
    public async Task ADatasetUsedByARunningJobCannotBeDeleted()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var content = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 200));
        await (await client.PostJsonAsync("/datasets", new { name = "fox", task = "charlm", format = "text", content })).OkJsonAsync(HttpStatusCode.Created);
        var id = (await client.TrainAsync(new { task = "charlm", dataset = "fox", hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 10000 } })).Id();
        await client.WaitUntilAsync(id, j => j.Status() == "running");

        await (await client.DeleteAsync("/datasets/fox")).AssertProblemAsync(HttpStatusCode.Conflict);

        await client.PostEmptyJsonAsync($"/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/datasets/fox")).StatusCode);
    }

    [Fact]
    public async Task EscapedUploadContentIsStoredCharacterForCharacter()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        // Every JSON escape, raw UTF-8 (é), an escaped é and an escaped surrogate pair (😀), one row per line.
        var body = """{"name":"escapes","task":"charlm","format":"text","lineMode":true,"content":"say \"hi\"\\back\/slash\ttab\ncafé caf\u00e9 \ud83d\ude00\r\nbell\b feed\f"}""";

        var created = await (await client.PostRawAsync("/datasets", body)).OkJsonAsync(HttpStatusCode.Created);

        string[] expected = ["say \"hi\"\\back/slash\ttab", "café café 😀\r", "bell\b feed\f"];
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(string.Join('\n', expected)), created.GetProperty("bytes").GetInt64());
        var preview = await (await client.GetAsync("/datasets/escapes/preview")).OkJsonAsync();
        Assert.Equal(["say \"hi\"\\back/slash\ttab", "café café 😀", "bell\b feed\f"],
            preview.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("text").GetString()));
    }

    [Theory]
    [InlineData("""{"name":"lone","task":"charlm","format":"text","content":"a\ud800b"}""", "content")]
    [InlineData("""{"name":"bad-escape","task":"charlm","format":"text","content":"a\qb"}""", "content")]
    [InlineData("""{"name":"number","task":"charlm","format":"text","content":5}""", "content")]
    [InlineData("""{"name":"twice","task":"charlm","format":"text","content":"a","content":"b"}""", "content")]
    [InlineData("""{"name":"cut","task":"charlm","format":"text","content":"abc""", "content")]
    public async Task MalformedUploadContentIsABadRequestNamingContentAndStoresNothing(string body, string field)
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        await (await client.PostRawAsync("/datasets", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);

        var listed = await (await client.GetAsync("/datasets")).OkJsonAsync();
        Assert.DoesNotContain(listed.EnumerateArray(), d => !d.GetProperty("builtIn").GetBoolean());
    }

    [Fact]
    public async Task InvalidUtf8InUploadContentIsABadRequestNamingContent()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var body = System.Text.Encoding.UTF8.GetBytes("""{"name":"bytes","task":"charlm","format":"text","content":"ab\ncXX"}""");
        body[Array.IndexOf(body, (byte)'X')] = 0xFF;

        await (await client.PostBytesAsync("/datasets", body)).AssertProblemAsync(HttpStatusCode.BadRequest, "content");
    }
}
