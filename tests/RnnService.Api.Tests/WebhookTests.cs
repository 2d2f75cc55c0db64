using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Jobs;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>Webhooks against a real receiver on loopback: every event signed as Standard Webhooks says, retries with the same
/// webhook-id, a failing webhook disabled with its reason, redelivery, and the refusals (private targets, bad fields).</summary>
public sealed class WebhookTests
{
    /// <summary>Fast retries, and loopback allowed: the receiver lives in this process.</summary>
    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:PollInterval"] = "00:00:00.050",
            ["Webhooks:FirstRetryDelay"] = "00:00:00.100",
            ["Webhooks:Timeout"] = "00:00:05",
            ["Metrics:JobCountsCacheSeconds"] = "0",
        };
        foreach (var (key, value) in more ?? []) settings[key] = value;
        return settings;
    }

    public static async Task<(Guid Id, string Secret)> SubscribeAsync(HttpClient client, string url, params string[] events)
    {
        var created = await (await client.PostJsonAsync("/webhooks", new { url, events })).OkJsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("webhook").Id(), created.GetProperty("secret").GetString()!);
    }

    private static readonly string[] AllEvents =
        ["job.succeeded", "job.failed", "job.cancelled", "model.created", "model.deleted", "alias.moved", "alias.deleted"];

    [Fact]
    public async Task EveryEventReachesTheReceiverOnceWithAValidSignatureAndItsData()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new RnnServiceFactory(Settings());
        using var client = factory.CreateClient();
        var (webhookId, secret) = await SubscribeAsync(client, receiver.Url, AllEvents);

        var trained = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2, name: "toy"))).Id());
        var diverging = (await client.TrainAsync(new
        {
            task = "sentiment", dataset = "toy-sentiment", architecture = "rnn",
            hyperparameters = new { optimizer = "adam", learningRate = 1e38, clipNorm = 0, epochs = 50 },
        })).Id();
        await client.WaitForJobAsync(diverging, TimeSpan.FromSeconds(60), "failed");
        var running = (await client.TrainAsync(Jobs.Endless())).Id();
        var queued = (await client.TrainAsync(Jobs.Endless())).Id();
        await client.WaitUntilAsync(running, j => j.Status() == "running");
        Assert.Equal("cancelled", (await (await client.PostEmptyJsonAsync($"/jobs/{queued}/cancel")).OkJsonAsync()).Status());
        await (await client.PostEmptyJsonAsync($"/jobs/{running}/cancel")).OkJsonAsync();
        await client.WaitForJobAsync(running, TimeSpan.FromSeconds(30), "cancelled");
        await (await client.PutAsync("/models/toy/aliases/production", JsonContent.Create(new { version = 1 }))).OkJsonAsync();
        await (await client.DeleteAsync("/models/toy@1")).AssertProblemAsync(HttpStatusCode.Conflict); // refused: no model.deleted
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/models/toy/aliases/production")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/models/toy@1")).StatusCode);

        await receiver.WaitForAsync(8, TimeSpan.FromSeconds(30));
        var received = receiver.Received;
        Assert.All(received, r => Assert.True(r.IsSignedWith(secret), $"Bad signature on {r.Body}"));
        Assert.All(received, r => Assert.Matches("^msg_[0-9a-f]{32}$", r.Id));
        Assert.Equal(["alias.deleted", "alias.moved", "job.cancelled", "job.cancelled", "job.failed", "job.succeeded", "model.created", "model.deleted"],
            received.Select(r => r.Type).Order());
        var byType = received.ToLookup(r => r.Type, r => r.Data);
        var succeeded = byType["job.succeeded"].Single();
        Assert.Equal((trained.Id(), "toy", 1, trained.Id("modelId")), (succeeded.Id("jobId"), succeeded.GetProperty("name").GetString(),
            succeeded.GetProperty("version").GetInt32(), succeeded.Id("modelId")));
        Assert.Equal(2, succeeded.GetProperty("finalMetrics").GetProperty("epoch").GetInt32());
        Assert.Equal($"/models/{trained.Id("modelId")}", succeeded.GetProperty("links").GetProperty("model").GetString());
        Assert.Equal((trained.Id("modelId"), 1), (byType["model.created"].Single().Id("modelId"), byType["model.created"].Single().GetProperty("version").GetInt32()));
        Assert.Contains("diverged", byType["job.failed"].Single().GetProperty("error").GetString());
        Assert.Equal(new[] { queued, running }.Order(), byType["job.cancelled"].Select(d => d.Id("jobId")).Order());
        Assert.Equal(("production", 1), (byType["alias.moved"].Single().GetProperty("alias").GetString(), byType["alias.moved"].Single().GetProperty("version").GetInt32()));
        Assert.Equal("production", byType["alias.deleted"].Single().GetProperty("alias").GetString());
        Assert.Equal((trained.Id("modelId"), 1), (byType["model.deleted"].Single().Id("modelId"), byType["model.deleted"].Single().GetProperty("version").GetInt32()));

        var deliveries = await Poll.UntilAsync(async () => await (await client.GetAsync($"/webhooks/{webhookId}/deliveries")).OkJsonAsync(),
            page => page.GetProperty("items").EnumerateArray().All(d => d.GetProperty("status").GetString() == "succeeded"),
            TimeSpan.FromSeconds(5), "every delivery recorded as succeeded");
        Assert.Equal(8, deliveries.GetProperty("total").GetInt32());
        Assert.All(deliveries.GetProperty("items").EnumerateArray(), d =>
        {
            Assert.Equal("succeeded", d.GetProperty("status").GetString());
            Assert.Equal(200, d.GetProperty("attemptLog").EnumerateArray().Single().GetProperty("statusCode").GetInt32());
        });
    }

    [Fact]
    public async Task JobsThatTheRescueOfAnExpiredLeaseEndsAreReportedToo()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new RnnServiceFactory(Settings(new() { ["Worker:MaxRescues"] = "0" }));
        using var client = factory.CreateClient();
        var (_, secret) = await SubscribeAsync(client, receiver.Url, "job.failed", "job.cancelled");

        // Two jobs "running" under a lease nobody renews: one out of rescues, one whose cancel was requested.
        Guid failed = Guid.NewGuid(), cancelled = Guid.NewGuid();
        await using (var db = factory.OpenDatabase())
        {
            foreach (var (id, cancel) in new[] { (failed, false), (cancelled, true) })
                db.TrainingJobs.Add(new TrainingJob
                {
                    Id = id, Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, Dataset = "toy-sentiment",
                    HyperparametersJson = "{}", TotalEpochs = 1, Status = JobStatus.Running, CancelRequested = cancel,
                    LeaseOwner = "crashed-host", LeaseExpiresAt = DateTime.UtcNow.AddMinutes(-1), CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
                });
            await db.SaveChangesAsync();
        }

        await receiver.WaitForAsync(2, TimeSpan.FromSeconds(15));
        Assert.All(receiver.Received, r => Assert.True(r.IsSignedWith(secret)));
        var byJob = receiver.Received.ToDictionary(r => r.Data.Id("jobId"));
        Assert.Equal("job.failed", byJob[failed].Type);
        Assert.Contains("Worker:MaxRescues", byJob[failed].Data.GetProperty("error").GetString());
        Assert.Equal("job.cancelled", byJob[cancelled].Type);
    }

    [Fact]
    public async Task AReceiverThatFailsTwiceThenSucceedsGetsTheSameWebhookIdThreeTimesAfterBackoff()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = n => n <= 2 ? 500 : 200;
        await using var factory = new RnnServiceFactory(Settings());
        using var client = factory.CreateClient();
        var (webhookId, secret) = await SubscribeAsync(client, receiver.Url, "alias.moved");

        var test = await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/test")).OkJsonAsync(HttpStatusCode.Accepted);
        await Poll.UntilAsync(() => receiver.Received.Count >= 3, TimeSpan.FromSeconds(20), "three attempts");

        var received = receiver.Received;
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.Id).Distinct());
        Assert.Equal(test.GetProperty("messageId").GetString(), received[0].Id);
        Assert.All(received, r => Assert.True(r.IsSignedWith(secret)));
        Assert.Equal("webhook.test", received[0].Type);
        // Backoff with jitter: at least half of 100 ms, then of 200 ms.
        Assert.True(received[1].At - received[0].At >= TimeSpan.FromMilliseconds(50), $"{received[1].At - received[0].At}");
        Assert.True(received[2].At - received[1].At >= TimeSpan.FromMilliseconds(100), $"{received[2].At - received[1].At}");
        var delivery = await Poll.UntilAsync(async () => (await (await client.GetAsync($"/webhooks/{webhookId}/deliveries")).OkJsonAsync()).GetProperty("items")[0],
            d => d.GetProperty("status").GetString() == "succeeded", TimeSpan.FromSeconds(5), "the delivery to be recorded");
        Assert.Equal([500, 500, 200], delivery.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal("answer to request 1", delivery.GetProperty("attemptLog")[0].GetProperty("responseExcerpt").GetString());
        var scrape = await Poll.UntilAsync(() => PrometheusScrape.GetAsync(client),
            s => s.Value("rnnservice_webhook_deliveries_total", ("event", "webhook.test"), ("outcome", "succeeded")) == 1, TimeSpan.FromSeconds(5), "the metrics");
        Assert.Equal(2, scrape.Value("rnnservice_webhook_deliveries_total", ("event", "webhook.test"), ("outcome", "retrying")));
        Assert.Equal(1, scrape.Value("rnnservice_webhook_deliveries_total", ("event", "webhook.test"), ("outcome", "succeeded")));
        Assert.Equal(3, scrape.Value("rnnservice_webhook_delivery_duration_seconds_count", ("event", "webhook.test")));
    }

    [Fact]
    public async Task AWebhookWhoseDeliveriesKeepFailingIsDisabledWithTheReasonAndARedeliveryAfterEnablingArrives()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => 503;
        await using var factory = new RnnServiceFactory(Settings(new()
        {
            ["Webhooks:RetryPeriod"] = "00:00:00.300", ["Webhooks:DisableAfterFailedDeliveries"] = "2",
        }));
        using var client = factory.CreateClient();
        var (webhookId, secret) = await SubscribeAsync(client, receiver.Url, "alias.deleted");

        await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/test")).OkJsonAsync(HttpStatusCode.Accepted);
        await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/test")).OkJsonAsync(HttpStatusCode.Accepted);
        var disabled = await Poll.UntilAsync(async () => await (await client.GetAsync($"/webhooks/{webhookId}")).OkJsonAsync(),
            w => !w.GetProperty("enabled").GetBoolean(), TimeSpan.FromSeconds(20), "the webhook to be disabled");

        Assert.Contains("2 deliveries in a row failed", disabled.GetProperty("disabledReason").GetString());
        Assert.Contains("503", disabled.GetProperty("disabledReason").GetString());
        var deliveries = (await (await client.GetAsync($"/webhooks/{webhookId}/deliveries")).OkJsonAsync()).GetProperty("items");
        Assert.Equal(["failed", "failed"], deliveries.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/test")).AssertProblemAsync(HttpStatusCode.Conflict);

        receiver.Answer = _ => 200;
        var enabled = await (await client.PatchAsync($"/webhooks/{webhookId}", JsonContent.Create(new { enabled = true }))).OkJsonAsync();
        Assert.Equal((true, JsonValueKind.Null, 0), (enabled.GetProperty("enabled").GetBoolean(), enabled.GetProperty("disabledReason").ValueKind,
            enabled.GetProperty("failedDeliveriesInARow").GetInt32()));
        var failed = deliveries[0];
        var before = receiver.Received.Count;
        await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/deliveries/{failed.Id()}/redeliver")).OkJsonAsync(HttpStatusCode.Accepted);
        await Poll.UntilAsync(() => receiver.Received.Count > before, TimeSpan.FromSeconds(10), "the redelivery");
        Assert.Equal(failed.GetProperty("messageId").GetString(), receiver.Received[^1].Id);
        Assert.True(receiver.Received[^1].IsSignedWith(secret));
        await (await client.PostEmptyJsonAsync($"/webhooks/{webhookId}/deliveries/{Guid.NewGuid()}/redeliver")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TargetsOnPrivateAddressesAreRefusedByDefaultWhenSavedAndWhenConnecting()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        foreach (var url in new[] { receiver.Url, "http://localhost:8080/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/",
                     "http://[::1]:9000/", "http://192.168.1.10/", "http://[fd00:ec2::254]/" })
        {
            var problem = await (await client.PostJsonAsync("/webhooks", new { url, events = AllEvents })).AssertProblemAsync(HttpStatusCode.BadRequest, "url");
            Assert.Contains("Webhooks:AllowPrivateTargets", problem.GetProperty("errors").GetProperty("url")[0].GetString());
        }
        Assert.Equal(0, (await (await client.GetAsync("/webhooks")).OkJsonAsync()).GetArrayLength());

        // A name that resolves to a private address after it was saved is refused at connection time too.
        using var sender = new RnnService.Api.Webhooks.WebhookSender(Microsoft.Extensions.Options.Options.Create(new RnnService.Api.Webhooks.WebhooksOptions()));
        var outcome = await sender.SendAsync(receiver.Url.Replace("127.0.0.1", "localhost"), "whsec_" + Convert.ToBase64String(new byte[32]), "msg_1", "{}", default);
        Assert.False(outcome.Succeeded);
        Assert.Contains("Refused", outcome.Error);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task BadFieldsAreNamedTheSecretIsShownOnlyAtCreationAndWritesNeedTheApiKey()
    {
        await using var factory = new RnnServiceFactory(Settings(new() { ["Auth:ApiKey"] = "k" }));
        using var client = factory.CreateClient();
        await (await client.PostJsonAsync("/webhooks", new { url = "https://example.com/hook", events = AllEvents })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        client.DefaultRequestHeaders.Add("X-Api-Key", "k");

        await (await client.PostJsonAsync("/webhooks", new { url = "ftp://example.com/", events = AllEvents })).AssertProblemAsync(HttpStatusCode.BadRequest, "url");
        await (await client.PostJsonAsync("/webhooks", new { url = "http://127.0.0.1/", events = new[] { "job.succeeded", "job.exploded" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "events[1]");
        await (await client.PostJsonAsync("/webhooks", new { url = "http://127.0.0.1/", events = Array.Empty<string>() })).AssertProblemAsync(HttpStatusCode.BadRequest, "events");
        await (await client.PostJsonAsync("/webhooks", new { url = "http://127.0.0.1/", events = AllEvents, description = new string('d', 501) }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "description");

        var (id, secret) = await SubscribeAsync(client, "http://127.0.0.1:9/hook", "job.succeeded", "job.succeeded");
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        var fetched = await (await client.GetAsync($"/webhooks/{id}")).OkJsonAsync();
        Assert.False(fetched.TryGetProperty("secret", out _));
        Assert.Equal(["job.succeeded"], fetched.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(secret, await (await client.GetAsync("/webhooks")).Content.ReadAsStringAsync());
        await using (var db = factory.OpenDatabase())
            Assert.True((await db.Webhooks.SingleAsync()).EncryptedSecret.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, "The secret is stored in the clear.");
        await (await client.PatchAsync($"/webhooks/{id}", JsonContent.Create(new { events = new[] { "sweep.finished" } }))).AssertProblemAsync(HttpStatusCode.BadRequest, "events[0]");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/webhooks/{id}")).StatusCode);
        await (await client.GetAsync($"/webhooks/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
