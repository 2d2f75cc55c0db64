using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Jobs;
using RnnService.Api.Training;

namespace RnnService.Api.Tests;

public sealed class MetricsTests
{
    // The jobs-by-status gauges are read from the database at every scrape here, not once per 5 s.
    private static RnnServiceFactory Factory(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Metrics:JobCountsCacheSeconds"] = "0";
        return new RnnServiceFactory(settings);
    }

    [Fact]
    public async Task TrainingPredictingAndGeneratingMoveTheCountersAndHistograms()
    {
        await using var factory = Factory();
        using var client = factory.CreateClient();

        var before = await PrometheusScrape.GetAsync(client);
        Assert.Equal("gauge", before.Types["rnnservice_jobs"]);
        Assert.Equal(0, before.Value("rnnservice_jobs", ("status", "succeeded")));
        Assert.Equal(0, before.Value("rnnservice_epochs_trained_total"));

        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 3))).Id())).Id("modelId");
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        await (await client.PostJsonAsync("/predict", new { modelId = sentiment, text = "good" })).OkJsonAsync();
        await (await client.PostJsonAsync("/predict", new { modelId = sentiment, texts = new[] { "bad", "not bad" } })).OkJsonAsync();
        await (await client.PostJsonAsync("/predict", new { modelId = names, text = "mary" })).OkJsonAsync();
        var generated = await (await client.PostJsonAsync("/generate", new { modelId = names, prompt = "ma", count = 3, maxLength = 8, seed = 1 })).OkJsonAsync();
        var characters = generated.GetProperty("samples").EnumerateArray().Sum(s => s.GetString()!.Length - 2);
        // A rejected request is not an inference.
        await (await client.PostJsonAsync("/generate", new { modelId = sentiment })).AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");

        var after = await PrometheusScrape.GetAsync(client);
        Assert.Equal(2, after.Value("rnnservice_jobs", ("status", "succeeded")));
        Assert.Equal(0, after.Value("rnnservice_jobs", ("status", "queued")));
        Assert.Equal(0, after.Value("rnnservice_queue_depth"));

        Assert.Equal("counter", after.Types["rnnservice_epochs_trained_total"]);
        Assert.Equal(3, after.Value("rnnservice_epochs_trained_total", ("task", "sentiment"), ("architecture", "lstm")));
        Assert.Equal(1, after.Value("rnnservice_epochs_trained_total", ("task", "charlm"), ("architecture", "lstm")));
        Assert.Equal("histogram", after.Types["rnnservice_epoch_duration_seconds"]);
        Assert.Equal(3, after.Value("rnnservice_epoch_duration_seconds_count", ("task", "sentiment")));
        Assert.True(after.Value("rnnservice_epoch_duration_seconds_sum", ("task", "sentiment")) > 0);
        Assert.Equal(3, after.Value("rnnservice_epoch_duration_seconds_bucket", ("task", "sentiment"), ("le", "+Inf")));
        Assert.Equal(1, after.Value("rnnservice_job_duration_seconds_count", ("task", "sentiment"), ("status", "succeeded")));
        Assert.Equal(1, after.Value("rnnservice_job_duration_seconds_count", ("task", "charlm"), ("status", "succeeded")));

        Assert.Equal(2, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "predict"), ("task", "sentiment")));
        Assert.Equal(1, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "predict"), ("task", "charlm")));
        Assert.Equal(1, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "generate"), ("task", "charlm")));
        Assert.True(after.Value("rnnservice_inference_duration_seconds_sum", ("endpoint", "generate"), ("task", "charlm")) > 0);
        Assert.True(characters > 0);
        Assert.Equal(characters, after.Value("rnnservice_generated_characters_total"));

        // Each model loaded once (a miss), then served from the cache; the rejected /generate looked the model up too.
        Assert.Equal(2, after.Value("rnnservice_model_cache_misses_total"));
        Assert.Equal(3, after.Value("rnnservice_model_cache_hits_total"));

        // ASP.NET Core's own request histogram, by route and status code.
        Assert.Equal(3, after.Value("http_server_request_duration_seconds_count", ("http_route", "/predict"), ("http_response_status_code", "200")));
        Assert.True(after.Find("dotnet_gc_heap_total_allocated_bytes_total").Any(), "runtime instrumentation missing");

        (await client.DeleteAsync($"/models/{sentiment}")).EnsureSuccessStatusCode();
        var deleted = await PrometheusScrape.GetAsync(client);
        Assert.Equal(1, deleted.Value("rnnservice_model_cache_evictions_total", ("reason", "deleted")));
    }

    [Fact]
    public async Task StreamedGenerationsAndV1CompletionsAndScoresCountAsPlainAnswersDoWithTheirCharacters()
    {
        await using var factory = Factory();
        using var client = factory.CreateClient();
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        var before = await PrometheusScrape.GetAsync(client);

        // The characters each answer says it generated: the streamed usage event's, and the completions' usage.
        var streamed = await (await client.PostJsonAsync("/generate", new { modelId = names, prompt = "ma", count = 2, maxLength = 9, seed = 4, stream = true }))
            .Content.ReadAsStringAsync();
        var usage = streamed.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement)
            .Single(e => e.TryGetProperty("generatedCharacters", out _));
        int generated = usage.GetProperty("generatedCharacters").GetInt32();
        var plain = await (await client.PostJsonAsync("/v1/completions", new { model = names.ToString(), prompt = new[] { "a", "jo" }, max_tokens = 7, n = 2, seed = 5 }))
            .OkJsonAsync();
        int completed = plain.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        var chunks = (await (await client.PostJsonAsync("/v1/completions", new { model = names.ToString(), prompt = "el", max_tokens = 6, seed = 6, stream = true,
            stream_options = new { include_usage = true } })).Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
        int chunked = chunks.Last().GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.Equal(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Sum(c => c.GetProperty("text").GetString()!.Length), chunked);
        await (await client.PostJsonAsync("/score", new { modelId = names, text = "anna" })).OkJsonAsync();

        var after = await PrometheusScrape.GetAsync(client);
        Assert.True(generated > 0 && completed > 0 && chunked > 0, $"{generated}, {completed}, {chunked}");
        Assert.Equal(generated + completed + chunked,
            after.Value("rnnservice_generated_characters_total") - before.Value("rnnservice_generated_characters_total"));
        Assert.Equal(1, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "generate"), ("task", "charlm")));
        Assert.True(after.Value("rnnservice_inference_duration_seconds_sum", ("endpoint", "generate"), ("task", "charlm")) > 0);
        Assert.Equal(2, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "completions"), ("task", "charlm")));
        Assert.Equal(1, after.Value("rnnservice_inference_duration_seconds_count", ("endpoint", "score"), ("task", "charlm")));
        Assert.Equal(2, after.Value("http_server_request_duration_seconds_count", ("http_route", "/v1/completions"), ("http_response_status_code", "200")));
    }

    [Fact]
    public async Task AJobOverItsTimeLimitCountsAsATimeLimitFailure()
    {
        await using var factory = Factory(new() { ["Worker:JobTimeLimit"] = "00:00:01", ["Worker:RefuseOverTimeLimit"] = "false" });
        // POST /train would refuse the job on its estimate; the limit at run time is what this checks.
        using var client = factory.CreateClient();
        var job = await client.TrainAsync(Jobs.Endless());
        await client.WaitForJobAsync(job.Id(), TimeSpan.FromSeconds(60), "failed");

        var scrape = await PrometheusScrape.GetAsync(client);
        Assert.Equal(1, scrape.Value("rnnservice_training_failures_total", ("reason", "time_limit")));
        Assert.Equal(0, scrape.Value("rnnservice_training_failures_total", ("reason", "diverged")));
        Assert.Equal(1, scrape.Value("rnnservice_job_duration_seconds_count", ("task", "charlm"), ("status", "failed")));
        Assert.True(scrape.Value("rnnservice_job_duration_seconds_sum", ("task", "charlm"), ("status", "failed")) >= 1);
        Assert.Equal(1, scrape.Value("rnnservice_jobs", ("status", "failed")));
    }

    [Fact]
    public async Task APausedRunIsNoEndYetAndACancelledOneCountsAsACancelledJob()
    {
        await using var factory = Factory();
        using var client = factory.CreateClient();
        var running = factory.Services.GetRequiredService<RunningJobs>();

        foreach (var (action, endsCounted) in new[] { ("pause", 0), ("cancel", 1) })
        {
            var id = (await client.TrainAsync(Jobs.Endless())).Id();
            await client.WaitUntilAsync(id, j => j.Status() == "running" && j.Epoch() >= 1);
            await (await client.PostEmptyJsonAsync($"/jobs/{id}/{action}")).OkJsonAsync();
            await Poll.UntilAsync(() => !running.IsRunning(id), TimeSpan.FromSeconds(30), $"the run to end after its {action}");

            var scrape = await PrometheusScrape.GetAsync(client);
            Assert.Equal(endsCounted, scrape.Find("rnnservice_job_duration_seconds_count").Sum(s => s.Value));
            Assert.Equal(endsCounted, scrape.Value("rnnservice_job_duration_seconds_count", ("task", "charlm"), ("status", "cancelled")));
        }
    }

    [Fact]
    public async Task JobsLeftRunningByACrashedWorkerCountAsLeaseRescues()
    {
        await using var factory = Factory();
        using var client = factory.CreateClient();
        var template = await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id());

        // Two jobs "running" under a lease nobody renews: one to requeue, one whose cancel was requested.
        Guid requeued = Guid.NewGuid(), cancelled = Guid.NewGuid();
        await using (var db = factory.OpenDatabase())
        {
            var row = await db.TrainingJobs.AsNoTracking().SingleAsync(j => j.Id == template.Id());
            foreach (var (id, cancel) in new[] { (requeued, false), (cancelled, true) })
            {
                db.TrainingJobs.Add(new TrainingJob
                {
                    Id = id, Task = row.Task, Architecture = row.Architecture, Dataset = row.Dataset,
                    HyperparametersJson = row.HyperparametersJson, TotalEpochs = row.TotalEpochs, Status = JobStatus.Running,
                    CancelRequested = cancel, LeaseOwner = "crashed-host", LeaseExpiresAt = DateTime.UtcNow.AddMinutes(-1),
                    CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
                });
            }
            await db.SaveChangesAsync();
        }
        await client.WaitForSuccessAsync(requeued);
        await client.WaitForJobAsync(cancelled, TimeSpan.FromSeconds(30), "cancelled");

        var scrape = await PrometheusScrape.GetAsync(client);
        Assert.Equal(1, scrape.Value("rnnservice_lease_rescues_total", ("outcome", "requeued")));
        Assert.Equal(1, scrape.Value("rnnservice_lease_rescues_total", ("outcome", "cancelled")));
        Assert.Equal(2, scrape.Value("rnnservice_jobs", ("status", "succeeded")));
        Assert.Equal(1, scrape.Value("rnnservice_jobs", ("status", "cancelled")));
    }

    [Fact]
    public async Task TwoServicesInOneProcessEachReportOnlyTheirOwnWork()
    {
        await using var first = Factory();
        await using var second = Factory();
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        // An unknown model is a cache miss (and a 404).
        await (await firstClient.PostJsonAsync("/predict", new { modelId = Guid.NewGuid(), text = "good" })).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(1, (await PrometheusScrape.GetAsync(firstClient)).Value("rnnservice_model_cache_misses_total"));
        Assert.Equal(0, (await PrometheusScrape.GetAsync(secondClient)).Value("rnnservice_model_cache_misses_total"));
    }

    [Fact]
    public async Task MetricsCanBeTurnedOff()
    {
        await using var factory = Factory(new() { ["Metrics:Enabled"] = "false" });
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    /// <summary>Like any read, /metrics needs the key once one is set; Metrics:RequireApiKey false opens it explicitly,
    /// true keeps it closed even when Auth:PublicReads opens the other reads.</summary>
    [Theory]
    [InlineData(null, "false", HttpStatusCode.Unauthorized)]
    [InlineData("false", "false", HttpStatusCode.OK)]
    [InlineData(null, "true", HttpStatusCode.OK)]
    [InlineData("true", "true", HttpStatusCode.Unauthorized)]
    public async Task WithAKeySetMetricsNeedItUnlessRequireApiKeyIsFalse(string? requireApiKey, string? publicReads, HttpStatusCode anonymous)
    {
        await using var factory = Factory(new()
        {
            ["Auth:ApiKey"] = "s3cret", ["Metrics:RequireApiKey"] = requireApiKey, ["Auth:PublicReads"] = publicReads,
        });
        using var client = factory.CreateClient();
        Assert.Equal(anonymous, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task MetricsTakeTheApiKeyAsHeaderOrBearerToken()
    {
        await using var factory = Factory(new() { ["Auth:ApiKey"] = "s3cret", ["Metrics:RequireApiKey"] = "true" });
        using var client = factory.CreateClient();

        var problem = await (await client.GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
            await (await client.SendAsync(wrong)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        client.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        Assert.Equal(0, (await PrometheusScrape.GetAsync(client)).Value("rnnservice_queue_depth"));
        client.DefaultRequestHeaders.Remove("X-Api-Key");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(0, (await PrometheusScrape.GetAsync(client)).Value("rnnservice_queue_depth"));
    }
}
