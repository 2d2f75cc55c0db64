using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Registry;

namespace RnnService.Api.Tests;

/// <summary>The outbox rides the transaction of the change it reports: a change that is rolled back sends nothing.</summary>
public sealed class WebhookOutboxTests
{
    /// <summary>Once armed, makes the next commit of an alias move fail, as a database that breaks at the last moment would
    /// (other commits, such as the worker's rescue pass, go through).</summary>
    private sealed class FailingCommit : DbTransactionInterceptor
    {
        public volatile bool Armed;

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken ct = default)
        {
            if (Armed && eventData.Context?.ChangeTracker.Entries<ModelAliasChange>().Any() == true)
            {
                Armed = false;
                throw new InvalidOperationException("Commit refused by the test.");
            }
            return ValueTask.FromResult(result);
        }
    }

    [Fact]
    public async Task AnAliasMoveRolledBackByAFailedCommitSendsNothingAndTheNextMoveSendsOneEvent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var failingCommit = new FailingCommit();
        await using var factory = new RnnServiceFactory(WebhookTests.Settings());
        await using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.ConfigureDbContext<SqliteRnnDbContext>(options => options.AddInterceptors(failingCommit));
            services.ConfigureDbContext<PostgresRnnDbContext>(options => options.AddInterceptors(failingCommit));
        }));
        using var client = failing.CreateClient();
        var (_, secret) = await WebhookTests.SubscribeAsync(client, receiver.Url, "alias.moved");
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2, name: "toy"))).Id());

        failingCommit.Armed = true;
        var refused = await client.PutAsync("/models/toy/aliases/production", JsonContent.Create(new { version = 1 }));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.False(failingCommit.Armed);
        var history = await (await client.GetAsync("/models/toy/history")).OkJsonAsync();
        Assert.Equal(0, history.GetProperty("aliases").GetArrayLength());
        await using (var db = factory.OpenDatabase())
            Assert.Equal(0, await db.WebhookEvents.CountAsync(e => e.Type == "alias.moved"));

        await (await client.PutAsync("/models/toy/aliases/champion", JsonContent.Create(new { version = 1 }))).OkJsonAsync();
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var received = Assert.Single(receiver.Received);
        Assert.True(received.IsSignedWith(secret));
        Assert.Equal("champion", received.Data.GetProperty("alias").GetString());
        await using (var db = factory.OpenDatabase())
            Assert.Equal(1, await db.WebhookEvents.CountAsync(e => e.Type == "alias.moved"));
    }
}
