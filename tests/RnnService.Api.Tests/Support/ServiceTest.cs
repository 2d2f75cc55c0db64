namespace RnnService.Api.Tests;

/// <summary>The set-up and tear-down of a test class whose tests each talk to one service of their own (xUnit makes an
/// instance per test): the service over its own database, and a client, disposed after the test.</summary>
/// <remarks>The fields keep the names the test bodies used when each class declared them itself.</remarks>
public abstract class ServiceTest(Dictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected readonly RnnServiceFactory _factory = new(settings);
    protected HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }
}
