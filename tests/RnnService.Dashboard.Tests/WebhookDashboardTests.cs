using System.Net.Http.Json;
using System.Text.Json;
using RnnService.Api.Tests;

namespace RnnService.Dashboard.Tests;

/// <summary>The webhooks page: add one (the secret shown once), a refused URL named next to its field, a test event, the
/// deliveries with every attempt, and Redeliver, against a real receiver on loopback. Each change is read back from the API.</summary>
[Collection(DashboardCollection.Name)]
public sealed class WebhookDashboardTests(DashboardFixture fixture)
{
    private readonly Browser _browser = new(fixture);

    [Fact]
    public async Task AWebhookAddedOnThePageGetsATestEventAndARedeliveryWithTheSameWebhookId()
    {
        var b = _browser;
        b.Resize(1280, 900);
        await using var receiver = await WebhookReceiver.StartAsync();
        b.Go("#/webhooks");

        b.Fill("#f-url", "ftp://example.com/hook");
        b.Click("#webhook-form button[type=submit]");
        b.WaitUntil(() => b.Text("#err-f-url").Contains("http"), "the url error next to its field");

        b.Fill("#f-url", receiver.Url);
        b.Fill("#f-description", "dashboard test");
        b.Click("#webhook-form button[type=submit]");
        var secret = b.WaitFor(() => b.All("#secret-value").FirstOrDefault()?.Text, "the secret");
        Assert.StartsWith("whsec_", secret);
        var webhooks = await fixture.Http.GetFromJsonAsync<JsonElement>("/webhooks");
        var webhook = webhooks.EnumerateArray().Single(w => w.GetProperty("url").GetString() == receiver.Url);
        var id = webhook.GetProperty("id").GetGuid();
        Assert.Equal(7, webhook.GetProperty("events").GetArrayLength());
        var row = $"#webhooks-table tr[data-webhook='{id}']";
        Assert.Contains("dashboard test", b.Text($"{row} td[data-label='URL']"));
        Assert.Equal("enabled", b.Text($"{row} td[data-label='State'] .badge"));

        b.Click($"{row} button[aria-label^='Send a test event']");
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(15));
        Assert.True(receiver.Received[0].IsSignedWith(secret));
        await Poll.UntilAsync(async () => await fixture.Http.GetFromJsonAsync<JsonElement>($"/webhooks/{id}/deliveries"),
            page => page.GetProperty("items")[0].GetProperty("status").GetString() == "succeeded", TimeSpan.FromSeconds(10), "the delivery recorded");

        b.Click($"{row} button[aria-label^='Deliveries to']");
        b.WaitUntil(() => b.All("#deliveries-table tbody tr").Count == 1, "the delivery in the table");
        Assert.Contains("webhook.test", b.Text("#deliveries-table td[data-label='Event']"));
        Assert.Equal("succeeded", b.Text("#deliveries-table td[data-label='Status'] .badge"));
        Assert.Contains(": 200 in", b.Text("#deliveries-table td[data-label='Attempts']"));
        b.Screenshot("webhooks");

        b.Click("#deliveries-table button[aria-label^='Redeliver']");
        await Poll.UntilAsync(() => receiver.Received.Count == 2, TimeSpan.FromSeconds(15), "the redelivery");
        Assert.Equal(receiver.Received[0].Id, receiver.Received[1].Id);
        b.AssertNoConsoleErrors("/webhooks - Failed to load resource: the server responded with a status of 400");

        (await fixture.Http.DeleteAsync($"/webhooks/{id}")).EnsureSuccessStatusCode(); // the other tests' events go nowhere
    }
}
