using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Registry;

namespace RnnService.Api.Tests;

/// <summary>The outbox rides the transaction of the change it reports: a change that is rolled back sends nothing.</summary>
public sealed class WebhookOutboxTests
{
    [Fact]
    public async Task AnAliasMoveRolledBackByAFailedCommitSendsNothingAndTheNextMoveSendsOneEvent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Refuses the next commit of an alias move, once told to.
        var failingCommit = new RefusingCommits(tracker => tracker.Entries<ModelAliasChange>().Any());
        await using var factory = new RnnServiceFactory(WebhookTests.Settings());
        await using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(failingCommit.AddTo));
        using var client = failing.CreateClient();
        var (_, secret) = await WebhookTests.SubscribeAsync(client, receiver.Url, "alias.moved");
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2, name: "toy"))).Id());

        failingCommit.Refuse(1);
        var refused = await client.PutAsync("/models/toy/aliases/production", JsonContent.Create(new { version = 1 }));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Equal((0, 1), (failingCommit.Left, failingCommit.Refused));
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
