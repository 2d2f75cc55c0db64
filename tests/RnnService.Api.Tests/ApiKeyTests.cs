using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RnnService.Api.Tests;

/// <summary>Issue 27, finding 1: with keys configured, everything but /health and the dashboard's files needs one.</summary>
public sealed class ApiKeyTests
{
    private static readonly Guid Id = Guid.NewGuid();

    /// <summary>Reads, downloads, streams, metrics, the OpenAPI document and inference: each one answered without a key before.</summary>
    private static readonly (string Method, string Url, object? Body)[] Reads =
    [
        ("GET", "/jobs", null), ("GET", $"/jobs/{Id}", null), ("GET", $"/jobs/{Id}/events", null), ("GET", "/models", null),
        ("GET", $"/models/{Id}/weights", null), ("GET", $"/models/{Id}/onnx", null), ("GET", "/datasets", null),
        ("GET", "/datasets/toy-sentiment/preview?rows=1", null), ("GET", "/webhooks", null), ("GET", "/metrics", null),
        ("GET", "/openapi/v1.json", null), ("POST", "/predict", new { modelId = Id, text = "good" }),
        ("POST", "/generate", new { modelId = Id }), ("POST", "/score", new { modelId = Id, text = "maria" }),
    ];

    private static readonly (string Method, string Url, object? Body)[] Writes =
    [
        ("POST", "/train", new { task = "charlm" }), ("POST", $"/jobs/{Id}/cancel", null), ("POST", $"/jobs/{Id}/resume", null),
        ("DELETE", $"/models/{Id}", null), ("POST", "/datasets", new { name = "x" }), ("DELETE", "/datasets/x", null),
    ];

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, (string Method, string Url, object? Body) call) =>
        call.Body is null
            ? client.SendAsync(new HttpRequestMessage(new HttpMethod(call.Method), call.Url)
                { Content = call.Method == "GET" ? null : new StringContent("", System.Text.Encoding.UTF8, "application/json") })
            : client.PostJsonAsync(call.Url, call.Body);

    [Fact]
    public async Task WithAKeySetEveryEndpointButHealthAndTheDashboardFilesAnswers401WithoutIt()
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();

        foreach (var call in Reads.Concat(Writes))
        {
            var problem = await (await SendAsync(client, call)).AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
        }
        // The key is checked before the body is read: a malformed body is 401, not a 400 naming the field.
        await (await client.PostRawAsync("/train", "{\"task\": NaN")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Contains("<title>RnnService</title>", await (await client.GetAsync("/")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/js/app.js")).StatusCode);

        client.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        foreach (var call in Reads.Concat(Writes))
        {
            using var response = await SendAsync(client, call);
            Assert.True(response.StatusCode != HttpStatusCode.Unauthorized, $"{call.Method} {call.Url} refused the key");
        }
        await (await client.PostJsonAsync("/train", new { task = "charlm" })).AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
    }

    [Fact]
    public async Task TheKeyIsTakenAsXApiKeyOrAsABearerTokenAndAWrongOneIsRefused()
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();

        using (var bearer = new HttpRequestMessage(HttpMethod.Get, "/jobs"))
        {
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(bearer)).StatusCode);
        }
        using (var wrongBearer = new HttpRequestMessage(HttpMethod.Get, "/jobs"))
        {
            wrongBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cre");
            var response = await client.SendAsync(wrongBearer);
            var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("not one of the service's keys", problem.GetProperty("detail").GetString());
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
        client.DefaultRequestHeaders.Add("X-Api-Key", "S3CRET");
        await (await client.GetAsync("/jobs")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EachOfSeveralNamedKeysWorksAndTheLogNamesTheKeyOfEachWrite()
    {
        var log = new LogRecorder("RnnService.Api.Security");
        await using var service = new RnnServiceFactory(new()
        {
            ["Auth:ApiKey"] = "old-key", ["Auth:Keys:ci"] = "ci-key-2026", ["Auth:Keys:ops"] = "ops-key-2026",
        });
        await using var factory = service.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(log)));
        using var client = factory.CreateClient();

        foreach (var (key, dataset) in new[] { ("old-key", "a"), ("ci-key-2026", "b"), ("ops-key-2026", "c") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/datasets/{dataset}");
            request.Headers.Add("X-Api-Key", key);
            await (await client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.NotFound);
        }
        using (var read = new HttpRequestMessage(HttpMethod.Get, "/jobs"))
        {
            read.Headers.Add("X-Api-Key", "ci-key-2026");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(read)).StatusCode);
        }

        Assert.Equal(["API key default: DELETE /datasets/a", "API key ci: DELETE /datasets/b", "API key ops: DELETE /datasets/c"],
            log.Messages.Where(m => m.StartsWith("API key", StringComparison.Ordinal)));
        Assert.DoesNotContain(log.Messages, m => m.Contains("-key-2026") || m.Contains("old-key"));
    }

    [Fact]
    public async Task PublicReadsOpensTheReadsAndInferenceButWritesStillNeedTheKey()
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret", ["Auth:PublicReads"] = "true" });
        using var client = factory.CreateClient();

        foreach (var call in Reads.Where(r => r.Url != $"/jobs/{Id}/events"))
        {
            using var response = await SendAsync(client, call);
            Assert.True(response.StatusCode != HttpStatusCode.Unauthorized, $"{call.Method} {call.Url} needs the key under PublicReads");
        }
        foreach (var call in Writes)
            await (await SendAsync(client, call)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("Auth:Keys:ci", "", "Auth:Keys:ci is empty")]
    [InlineData("Auth:Keys:ops", "s3cret", "default and ops are the same")]
    [InlineData("Auth:Keys:ci", "has space", "Auth:Keys:ci must be printable ASCII")]
    [InlineData("Auth:Keys:default", "other", "both set")]
    public async Task AKeyTheLogOrTheHeaderCouldNotTellApartStopsTheServiceAtStart(string setting, string value, string message)
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret", [setting] = value });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(message, error.ToString());
    }
}
