using System.Net;
using System.Text;
using System.Text.Json;

namespace RnnService.Api.Tests;

[Collection(AllocationCounting.Name)]
public sealed class UploadMemoryTests : ServiceTest
{
    [Fact]
    public async Task ALineModeUploadAllocatesAFewCopiesOfItsContentNotAStringPerLine()
    {
        await (await _client.PostJsonAsync("/datasets", new { name = "warm-up", task = "charlm", format = "text", lineMode = true, content = "a\nb" }))
            .OkJsonAsync(HttpStatusCode.Created);
        // 400,000 lines, 8.4 MB of JSON: the content string (16.8 MB), a little more in the service, and the test server's
        // in-memory request pipe (8.9 MB; Kestrel's is pooled) are 26.6 MB; one copy more of the body would go over.
        var content = string.Join('\n', Enumerable.Range(0, 400_000).Select(i => $"line number {i:D7}"));
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { name = "big", task = "charlm", format = "text", lineMode = true, content }));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var created = await (await _client.PostBytesAsync("/datasets", body)).OkJsonAsync(HttpStatusCode.Created);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(400_000, created.GetProperty("samples").GetInt32());
        Assert.True(allocated < 4L * body.Length, $"The upload of {body.Length:N0} bytes allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task ACsvUploadAllocatesItsExamplesNotABuilderPerRecord()
    {
        await (await _client.PostJsonAsync("/datasets", new { name = "warm-up", task = "sentiment", format = "csv", content = "text,label\na,1\nb,0" }))
            .OkJsonAsync(HttpStatusCode.Created);
        // 400,000 examples, 9.2 MB of JSON: parsed into examples (their text, fields and lists) the upload allocates 127 MB;
        // a string builder per record made it 245 MB.
        var content = "text,label\n" + string.Join('\n', Enumerable.Range(0, 400_000).Select(i => $"line number {i:D7},{i % 2}"));
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { name = "big", task = "sentiment", format = "csv", content }));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var created = await (await _client.PostBytesAsync("/datasets", body)).OkJsonAsync(HttpStatusCode.Created);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(400_000, created.GetProperty("samples").GetInt32());
        Assert.True(allocated < 16L * body.Length, $"The upload of {body.Length:N0} bytes allocated {allocated:N0} bytes.");
    }
}
