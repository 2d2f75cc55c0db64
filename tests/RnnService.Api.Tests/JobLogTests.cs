using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace RnnService.Api.Tests;

/// <summary>What the service logs about a job reads as a sentence: no "(null)" where a value was missing.</summary>
public sealed class JobLogTests
{
    [Fact]
    public async Task ASucceededJobIsLoggedWithoutANullPlaceholder()
    {
        var messages = new ConcurrentQueue<string>();
        await using var factory = new RnnServiceFactory();
        using var client = factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(new Collecting(messages)))).CreateClient();

        var id = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id();
        // Logged once the end is written, so just after the job reads succeeded.
        await Poll.UntilAsync(() => messages.Any(m => m.StartsWith($"Job {id} succeeded")), TimeSpan.FromSeconds(10), "the job's end in the log");

        Assert.Contains($"Job {id} succeeded.", messages);
        Assert.DoesNotContain(messages, m => m.Contains("(null)"));
    }

    private sealed class Collecting(ConcurrentQueue<string> messages) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) messages.Enqueue(formatter(state, exception));
        }
        public void Dispose() { }
    }
}
