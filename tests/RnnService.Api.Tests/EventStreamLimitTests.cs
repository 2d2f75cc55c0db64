using System.Net;

namespace RnnService.Api.Tests;

/// <summary>Issue 27, finding 8: concurrent event streams are capped per client (429) and in all (503), with Retry-After,
/// and a closed stream gives its slot back.</summary>
public sealed class EventStreamLimitTests
{
    private static async Task<(RnnServiceFactory Factory, HttpClient Client, Guid Job)> PausedJobAsync(Dictionary<string, string?> settings)
    {
        var factory = new RnnServiceFactory(settings);
        var client = factory.CreateClient();
        var job = (await client.TrainAsync(Jobs.Endless())).Id();
        // A paused job is not finished: its stream stays open, and nothing trains meanwhile.
        await client.WaitUntilAsync(job, j => j.Status() == "running");
        Assert.Equal("paused", (await (await client.PostEmptyJsonAsync($"/jobs/{job}/pause")).OkJsonAsync()).Status());
        return (factory, client, job);
    }

    private static Task<HttpResponseMessage> OpenAsync(HttpClient client, Guid job) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/jobs/{job}/events"), HttpCompletionOption.ResponseHeadersRead);

    [Theory]
    [InlineData(2, 100, HttpStatusCode.TooManyRequests, "EventStreams:MaxPerClient")]
    [InlineData(100, 2, HttpStatusCode.ServiceUnavailable, "EventStreams:MaxTotal")]
    public async Task AStreamOverACapIsRefusedWithRetryAfterUntilOneCloses(int perClient, int total, HttpStatusCode refused, string setting)
    {
        var (factory, client, job) = await PausedJobAsync(new()
        {
            ["EventStreams:MaxPerClient"] = perClient.ToString(), ["EventStreams:MaxTotal"] = total.ToString(), ["EventStreams:RetryAfterSeconds"] = "7",
        });
        await using var _ = factory;
        using var __ = client;

        var first = await OpenAsync(client, job);
        var second = await OpenAsync(client, job);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal("text/event-stream", first.Content.Headers.ContentType?.MediaType);

        using var third = await OpenAsync(client, job);
        Assert.Equal(refused, third.StatusCode); // before reading: an accepted stream would never end
        var problem = await third.AssertProblemAsync(refused);
        Assert.Equal(TimeSpan.FromSeconds(7), third.Headers.RetryAfter?.Delta);
        Assert.Contains(setting, problem.GetProperty("detail").GetString());
        // Other requests are not counted, nor is /generate, which may stream but holds an inference slot instead.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/jobs/{job}")).StatusCode);
        await (await client.PostJsonAsync("/generate", new { modelId = Guid.NewGuid(), stream = true })).AssertProblemAsync(HttpStatusCode.NotFound);

        first.Dispose();
        await Poll.UntilAsync(async () =>
        {
            using var again = await OpenAsync(client, job);
            return again.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the closed stream's slot to come back");
        second.Dispose();
        await (await client.PostEmptyJsonAsync($"/jobs/{job}/cancel")).OkJsonAsync();
    }
}
