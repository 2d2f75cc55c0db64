using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Tests;

/// <summary>Webhook delivery across three service processes on one PostgreSQL database.</summary>
public sealed class WebhookReplicaTests
{
    [Fact]
    public async Task KillingTheReplicaThatIsDeliveringLosesNoEvent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(1000); // each request is in flight for a second: the kill lands mid-delivery
        using var set = await ReplicaSet.StartAsync(3, settings: new Dictionary<string, string>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:PollInterval"] = "00:00:00.100",
            ["Webhooks:BatchSize"] = "2",
            ["Webhooks:Timeout"] = "00:00:03",
            ["Webhooks:ClaimDuration"] = "00:00:04",
            ["Webhooks:FirstRetryDelay"] = "00:00:00.200",
        });
        var (webhookId, secret) = await WebhookTests.SubscribeAsync(set[0].Client, receiver.Url, "alias.moved");
        await set[1].Client.WaitForSuccessAsync((await set[1].Client.TrainAsync(Jobs.Sentiment(epochs: 2, name: "toy"))).Id(), seconds: 120);
        const int events = 24;
        for (var i = 0; i < events; i++)
            await (await set[i % 3].Client.PutAsync($"/models/toy/aliases/a{i}", JsonContent.Create(new { version = 1 }))).OkJsonAsync();

        // The victim is a replica that holds a claim on a delivery it is sending right now.
        await Poll.UntilAsync(() => receiver.Received.Count >= 3, TimeSpan.FromSeconds(30), "the first deliveries");
        await using var db = new PostgresRnnDbContext(new DbContextOptionsBuilder<PostgresRnnDbContext>()
            .UseNpgsql(set.Cluster.ConnectionString(set.Database)).Options);
        var claim = await Poll.UntilAsync(() => db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.ClaimToken != null).Select(d => d.ClaimToken).FirstOrDefaultAsync(),
            token => token is not null, TimeSpan.FromSeconds(10), "a claimed delivery");
        var victim = set.ByName(claim![..claim.LastIndexOf('/')]);
        victim.Kill();

        await receiver.WaitForAsync(events, TimeSpan.FromSeconds(60));
        var deliveries = await Poll.UntilAsync(() => db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).ToListAsync(),
            all => all.All(d => d.Status == DeliveryStatus.Succeeded), TimeSpan.FromSeconds(20), "every delivery recorded as succeeded");
        Assert.Equal(events, deliveries.Count);
        Assert.Equal(events, receiver.DistinctIds);
        Assert.All(receiver.Received, r => Assert.True(r.IsSignedWith(secret), r.Body));
        Assert.Equal(Enumerable.Range(0, events).Select(i => $"a{i}").Order(),
            receiver.Received.DistinctBy(r => r.Id).Select(r => r.Data.GetProperty("alias").GetString()).Order());
        var senders = await db.WebhookAttempts.AsNoTracking().Select(a => a.Sender).Distinct().ToListAsync();
        Assert.True(senders.Count > 1, $"Only {string.Join(", ", senders)} delivered.\n{set.Logs}");
        Assert.All(set.Replicas.Where(r => r != victim), r => Assert.False(r.HasExited, r.Output));
    }
}
