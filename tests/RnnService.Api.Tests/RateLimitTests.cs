using System.Net;

namespace RnnService.Api.Tests;

public sealed class RateLimitTests
{
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
