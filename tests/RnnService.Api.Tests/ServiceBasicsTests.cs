using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RnnService.Api.Tests;

public sealed class ServiceBasicsTests
{
    [Fact]
    public async Task HealthReportsTheDatabaseAndTheWorkerAlive()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var health = await (await client.GetAsync("/health")).OkJsonAsync();

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("database").GetBoolean());
        Assert.True(health.GetProperty("worker").GetBoolean());
    }

    [Fact]
    public async Task HealthIsA503ProblemWhenTheWorkerLoopHasStalled()
    {
        // The worker goes round once, then sleeps for 10 s: longer than the 300 ms it is allowed.
        await using var factory = new RnnServiceFactory(new() { ["Worker:PollInterval"] = "00:00:10", ["Worker:StallTimeout"] = "00:00:00.300" });
        using var client = factory.CreateClient();
        await Task.Delay(1000);

        var problem = await (await client.GetAsync("/health")).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);

        Assert.True(problem.GetProperty("database").GetBoolean());
        Assert.False(problem.GetProperty("worker").GetBoolean());
        Assert.Contains("worker", problem.GetProperty("detail").GetString());
    }

#if !POSTGRES
    [Fact]
    public async Task TheDatabaseFileIsMigratedAndUsesTheWriteAheadLog()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();

        await using var connection = new SqliteConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '__EF%' ORDER BY name)";
        Assert.Equal("Checkpoints,DatasetContents,Datasets,EpochMetrics,ModelAliasChanges,ModelAliases,ModelWeights,Models,SweepTrials,Sweeps,TrainingJobs," +
            "WebhookAttempts,WebhookDeliveries,WebhookEvents,WebhookKeys,Webhooks", (string?)await command.ExecuteScalarAsync());
    }
#endif

    [Fact]
    public async Task TheOpenApiDocumentListsEveryEndpointWithASummary()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json")).OkJsonAsync();

        string[] expected =
        [
            "POST /train", "POST /train/estimate", "GET /jobs", "GET /jobs/{id}", "GET /jobs/{id}/metrics", "GET /jobs/{id}/events", "POST /jobs/{id}/cancel", "POST /jobs/{id}/pause", "POST /jobs/{id}/resume",
            "POST /predict", "POST /generate", "POST /score",
            "GET /models", "GET /models/{reference}", "DELETE /models/{reference}", "GET /models/{reference}/weights", "GET /models/{reference}/onnx",
            "PUT /models/{name}/aliases/{alias}", "DELETE /models/{name}/aliases/{alias}", "GET /models/{name}/history",
            "GET /datasets", "POST /datasets", "GET /datasets/{name}", "GET /datasets/{name}/preview", "DELETE /datasets/{name}",
            "GET /health",
            "POST /sweeps", "POST /sweeps/estimate", "GET /sweeps", "GET /sweeps/{id}", "GET /sweeps/{id}/events", "POST /v1/completions", "GET /v1/models", "POST /sweeps/{id}/cancel",
            "POST /sweeps/{id}/pause", "POST /sweeps/{id}/resume", "DELETE /sweeps/{id}",
            "POST /webhooks", "GET /webhooks", "GET /webhooks/{id}", "PATCH /webhooks/{id}", "DELETE /webhooks/{id}", "POST /webhooks/{id}/test",
            "GET /webhooks/{id}/deliveries", "POST /webhooks/{id}/deliveries/{deliveryId}/redeliver",
        ];
        var actual = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                actual.Add($"{operation.Name.ToUpperInvariant()} {path.Name.TrimEnd('/')}");
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("summary").GetString()), $"{operation.Name} {path.Name} has no summary");
            }
        Assert.Equal(expected.Order(), actual.Select(a => a == "GET " ? "GET /" : a).Order());

        var train = document.GetProperty("paths").GetProperty("/train").GetProperty("post");
        Assert.Equal(["202", "400", "401", "404", "413", "415", "422", "429", "507"], train.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());
        Assert.True(train.TryGetProperty("requestBody", out _));
        // Every operation but /health declares the optional key, as X-Api-Key or as a bearer token.
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        static string[] Schemes(JsonElement operation) =>
            operation.TryGetProperty("security", out var security) ? [.. security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name))] : [];
        Assert.Equal(["ApiKey", "Bearer"], Schemes(train));
        Assert.Equal(["ApiKey", "Bearer"], Schemes(document.GetProperty("paths").GetProperty("/jobs").GetProperty("get")));
        Assert.Empty(Schemes(document.GetProperty("paths").GetProperty("/health").GetProperty("get")));
        var taskSchema = document.GetProperty("components").GetProperty("schemas").GetProperty("TaskKind");
        Assert.Equal(["sentiment", "charlm"], taskSchema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task SwaggerUiIsServedOverTheOpenApiDocument()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var page = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync());
        var initializer = await client.GetStringAsync("/swagger/index.js");
        Assert.Contains("/openapi/v1.json", initializer);
    }

    [Fact]
    public async Task ValuesFromTheRepositoryAppsettingsJsonAreRead()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "RnnService.sln"))) root = Path.GetDirectoryName(root)!;
        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "appsettings.json")));
        var maxTexts = file.RootElement.GetProperty("Limits").GetProperty("MaxTextsPerRequest").GetInt32();
        var queue = file.RootElement.GetProperty("Worker").GetProperty("MaxQueuedJobs").GetInt32();

        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        // The key exists in configuration only if the file was loaded; the options see the same value.
        var configuration = factory.Services.GetRequiredService<IConfiguration>();
        Assert.Equal(maxTexts.ToString(), configuration["Limits:MaxTextsPerRequest"]);
        Assert.Equal(maxTexts, factory.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxTextsPerRequest);
        Assert.Equal(queue, factory.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.MaxQueuedJobs);

        // And it is enforced: one text more than the file allows is refused.
        var response = await client.PostJsonAsync("/predict", new { modelId = Guid.NewGuid(), texts = Enumerable.Repeat("x", maxTexts + 1) });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "texts");
    }

    [Fact]
    public async Task AnUnknownRouteIsAProblemDetails404()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var problem = await (await client.GetAsync("/no-such-thing")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Not Found", problem.GetProperty("title").GetString());
    }
}
