using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace RnnService.Api.Tests;

/// <summary>Issue 27, findings 10-13: names that hide what they are, duplicate JSON keys, framework wording in errors,
/// cross-site form posts and NUL characters. Each is a 400 (or 415) naming the field, in our words.</summary>
public sealed class RequestHygieneTests() : ServiceTest
{
    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("names\u202Egnp.exe")]   // right-to-left override
    [InlineData("na\u200Bmes")]          // zero-width space
    [InlineData("na\u0000mes")]
    public async Task ANameThatIsOnlyDotsOrHoldsAnInvisibleCharacterIsRefused(string name)
    {
        var training = await _client.PostJsonAsync("/train", new { task = "charlm", dataset = "us-names", name, hyperparameters = new { epochs = 1 } });
        await training.AssertProblemAsync(HttpStatusCode.BadRequest, "name");
        var upload = await _client.PostJsonAsync("/datasets", new { name, task = "charlm", format = "text", content = "abc" });
        await upload.AssertProblemAsync(HttpStatusCode.BadRequest, "name");
        if (name.Trim('.').Length == 0 || name.Contains('\0')) return; // HttpClient removes '.' and '..' segments and refuses NUL
        var alias = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/models/names/aliases/{Uri.EscapeDataString(name)}")
            { Content = new StringContent("{\"version\": 1}", Encoding.UTF8, "application/json") });
        await alias.AssertProblemAsync(HttpStatusCode.BadRequest, "alias");
    }

    [Fact]
    public async Task ARepeatedJsonKeyIsA400NamingItInBodiesAndInJsonLinesUploads()
    {
        var predict = await _client.PostRawAsync("/predict", "{\"model\": \"a\", \"model\": \"b\", \"text\": \"good\"}");
        var problem = await predict.AssertProblemAsync(HttpStatusCode.BadRequest, "model");
        Assert.Equal("The property appears more than once.", problem.GetProperty("errors").GetProperty("model")[0].GetString());

        var content = "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"bad\", \"label\": 0, \"label\": 1}\n";
        var upload = await _client.PostJsonAsync("/datasets", new { name = "dupes", task = "sentiment", format = "jsonl", content });
        problem = await upload.AssertProblemAsync(HttpStatusCode.BadRequest, "content");
        Assert.Equal("Line 2: a property appears more than once.", problem.GetProperty("errors").GetProperty("content")[0].GetString());
    }

    [Fact]
    public async Task AnEmptyOrCompressedBodyGetsOurOwnWordsNotTheFrameworks()
    {
        var empty = await _client.PostRawAsync("/train", "");
        var problem = await empty.AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        Assert.Equal("The body is empty; this endpoint needs a JSON object.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.DoesNotContain("Implicit body", problem.ToString());
        problem = await (await _client.GetAsync("/datasets/toy-sentiment/preview?rows=ten")).AssertProblemAsync(HttpStatusCode.BadRequest, "rows");
        Assert.Equal("Not a valid value for this parameter.", problem.GetProperty("errors").GetProperty("rows")[0].GetString());

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write("{\"task\": \"charlm\", \"dataset\": \"us-names\"}"u8);
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        problem = await (await _client.PostAsync("/train", content)).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        var message = problem.GetProperty("errors").GetProperty("body")[0].GetString()!;
        Assert.StartsWith("The body is not JSON", message);
        Assert.DoesNotContain("NaN", message);
    }

    [Theory]
    [InlineData("/jobs/{0}/resume")]
    [InlineData("/jobs/{0}/pause")]
    [InlineData("/jobs/{0}/cancel")]
    public async Task ACrossSiteFormPostIs415AndTheDashboardsJsonPostIsNot(string template)
    {
        var url = string.Format(template, Guid.NewGuid());
        using var form = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent([]) };
        form.Headers.Add("Origin", "http://evil.example");
        await (await _client.SendAsync(form)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "Content-Type");
        using var plain = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("", Encoding.UTF8, "text/plain") };
        await (await _client.SendAsync(plain)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "Content-Type");
        await (await _client.PostAsync(url, null)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "Content-Type");

        await (await _client.PostEmptyJsonAsync(url)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ANulCharacterIsRefusedInUploadsInputsAndPromptsNamingTheField()
    {
        var model = Guid.NewGuid();
        await (await _client.PostJsonAsync("/predict", new { modelId = model, text = "go\0od" })).AssertProblemAsync(HttpStatusCode.BadRequest, "text");
        await (await _client.PostJsonAsync("/predict", new { modelId = model, texts = new[] { "fine", "ba\0d" } })).AssertProblemAsync(HttpStatusCode.BadRequest, "texts");
        await (await _client.PostJsonAsync("/generate", new { modelId = model, prompt = "ma\0" })).AssertProblemAsync(HttpStatusCode.BadRequest, "prompt");
        await (await _client.PostJsonAsync("/score", new { modelId = model, text = "\0" })).AssertProblemAsync(HttpStatusCode.BadRequest, "text");
        var text = await _client.PostJsonAsync("/datasets", new { name = "nul-text", task = "charlm", format = "text", content = "ab\0c\n" });
        var problem = await text.AssertProblemAsync(HttpStatusCode.BadRequest, "content");
        Assert.Contains("NUL", problem.GetProperty("errors").GetProperty("content")[0].GetString());
        // Inside a JSON Lines upload the NUL is an escape in the content's own JSON.
        var jsonl = await _client.PostJsonAsync("/datasets", new { name = "nul-jsonl", task = "sentiment", format = "jsonl",
            content = "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"b\\u0000d\", \"label\": 0}\n" });
        problem = await jsonl.AssertProblemAsync(HttpStatusCode.BadRequest, "content");
        Assert.Equal("Line 2: text contains a NUL character (\\u0000).", problem.GetProperty("errors").GetProperty("content")[0].GetString());

        var datasets = await (await _client.GetAsync("/datasets")).OkJsonAsync();
        Assert.DoesNotContain(datasets.EnumerateArray(), d => d.GetProperty("name").GetString()!.StartsWith("nul-"));
    }
}
