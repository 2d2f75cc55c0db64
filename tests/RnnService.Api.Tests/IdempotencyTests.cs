using System.Net;
using System.Text;
using System.Text.Json;

namespace RnnService.Api.Tests;

public sealed class IdempotencyTests
{
    [Fact]
    public async Task AnIdempotencyKeyReusedWithAnotherRequestIs422NamingTheFirstJobAndQueuesNothing()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = await (await PostAsync(client, "key-1", Jobs.Sentiment(epochs: 1))).OkJsonAsync(HttpStatusCode.Accepted);

        foreach (var other in new[] { Jobs.Sentiment(epochs: 2), Jobs.Sentiment(epochs: 1, name: "renamed"), Jobs.Names(epochs: 1) })
        {
            var problem = await (await PostAsync(client, "key-1", other)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.Equal(first.Id(), problem.Id("jobId"));
            Assert.Contains(first.Id().ToString(), problem.GetProperty("detail").GetString());
        }
        // The same request again is still the first job, and nothing else was queued.
        var repeated = await (await PostAsync(client, "key-1", Jobs.Sentiment(epochs: 1))).OkJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(first.Id(), repeated.Id());
        Assert.Equal(1, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }
}
