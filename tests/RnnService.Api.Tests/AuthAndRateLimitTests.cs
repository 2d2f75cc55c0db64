using System.Net;

namespace RnnService.Api.Tests;

public sealed class AuthAndRateLimitTests
{
    [Fact]
    public async Task WithAnApiKeyConfiguredWritesNeedTheHeaderAndReadsDoNot()
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();
        var id = Guid.NewGuid();

        await (await client.PostJsonAsync("/train", new { task = "charlm" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostAsync($"/jobs/{id}/cancel", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.DeleteAsync($"/models/{id}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.DeleteAsync("/datasets/x")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostJsonAsync("/datasets", new { name = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/jobs")).StatusCode);

        client.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        await (await client.PostJsonAsync("/train", new { task = "charlm" })).AssertProblemAsync(HttpStatusCode.Unauthorized);

        client.DefaultRequestHeaders.Remove("X-Api-Key");
        client.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        // Past the key check: now the request itself is judged.
        await (await client.PostJsonAsync("/train", new { task = "charlm" })).AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        await (await client.PostAsync($"/jobs/{id}/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PredictAndGenerateAreRateLimitedWithA429Problem()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:PermitLimit"] = "3", ["Inference:WindowSeconds"] = "60" });
        using var client = factory.CreateClient();
        var body = new { modelId = Guid.NewGuid(), text = "good" };

        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("/predict", body)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("/generate", new { modelId = Guid.NewGuid() })).StatusCode);
        var limited = await client.PostJsonAsync("/predict", body);

        var problem = await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After missing");
        await (await client.PostJsonAsync("/generate", new { modelId = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.TooManyRequests);
        // Other endpoints are not limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }
}
