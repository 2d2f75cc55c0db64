using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace RnnService.Api.Tests;

public class HealthTests
{
    [Fact]
    public async Task HealthEndpointAnswersOk()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
