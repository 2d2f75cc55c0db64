using System.Net;
using System.Text.Json;

namespace RnnService.Api.Tests;

public sealed class OpenApiDocumentTests
{
    private static string CommittedDocumentPath() => Path.Combine(Repository.Root, "docs", "openapi.json");

    private static async Task<(string Text, JsonElement Document)> ServedDocumentAsync(HttpClient client, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        var text = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        return (text, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            path.Value.EnumerateObject().Select(op => (op.Name.ToUpperInvariant(), path.Name, op.Value)));

    private static bool NeedsApiKey(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
        && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("ApiKey", out _));

    [Fact]
    public async Task TheServedDocumentIsTheCommittedOne()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var (served, _) = await ServedDocumentAsync(client);
        var committed = await File.ReadAllTextAsync(CommittedDocumentPath());
        Assert.True(committed.ReplaceLineEndings() == served.ReplaceLineEndings(),
            "docs/openapi.json is not the document the service serves: build src/RnnService.Api (Debug) to regenerate it, and commit it.");
    }

    [Fact]
    public async Task EveryOperationDocumentsAClientErrorAndTheDocumentHasWhatLintersAskFor()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var (_, document) = await ServedDocumentAsync(client);

        var servers = document.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()!).ToList();
        Assert.NotEmpty(servers);
        Assert.All(servers, url => Assert.True(url == "/" || !url.EndsWith('/'), url));
        Assert.False(string.IsNullOrWhiteSpace(document.GetProperty("info").GetProperty("license").GetProperty("name").GetString()));
        Assert.All(document.GetProperty("tags").EnumerateArray(), tag =>
            Assert.False(string.IsNullOrWhiteSpace(tag.GetProperty("description").GetString()), tag.ToString()));
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());

        var operations = Operations(document).ToList();
        Assert.True(operations.Count >= 18, $"Only {operations.Count} operations");
        foreach (var (method, path, operation) in operations)
        {
            var codes = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.True(codes.Any(c => c.StartsWith('4')), $"{method} {path} documents no 4xx: {string.Join(',', codes)}");
            Assert.Equal(NeedsApiKey(operation), codes.Contains("401"));
            if (operation.TryGetProperty("requestBody", out _)) Assert.Contains("413", codes);
        }
    }

    /// <summary>Issue 25: /v1 answers errors in OpenAI's shape, so its document says so: every error response of its operations
    /// is OpenAiError (none ProblemDetails), and each 4xx POST /v1/completions documents is one it answers in that shape. Its
    /// bodies' properties are named as they travel (snake_case).</summary>
    [Fact]
    public async Task EveryClientErrorOfV1IsDocumentedAsOpenAisErrorAndAnsweredAsOne()
    {
        await using var factory = new RnnServiceFactory(new() { ["Limits:MaxRequestBodyBytes"] = "2000", ["Inference:PermitLimit"] = "6" });
        await using var keyed = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();
        var (_, document) = await ServedDocumentAsync(client);

        var v1 = Operations(document).Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["POST /v1/completions", "GET /v1/models"], v1.Select(o => $"{o.Method} {o.Path}"));
        foreach (var (method, path, operation) in v1)
            foreach (var error in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var content = error.Value.GetProperty("content").EnumerateObject().ToList();
                Assert.Equal("application/json", Assert.Single(content).Name);
                Assert.Equal("#/components/schemas/OpenAiError", content[0].Value.GetProperty("schema").GetProperty("$ref").GetString());
                Assert.Contains("OpenAI's error: type ", error.Value.GetProperty("description").GetString());
            }
        // Its bodies are named as they travel: snake_case.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("CompletionRequest").GetProperty("properties").TryGetProperty("max_tokens", out _));
        Assert.True(schemas.GetProperty("CompletionChoice").GetProperty("properties").TryGetProperty("finish_reason", out _));
        var completions = v1[0].Operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Where(c => c[0] == '4').ToList();
        Assert.Contains("429", v1[1].Operation.GetProperty("responses").EnumerateObject().Select(r => r.Name));

        var answered = new Dictionary<string, HttpResponseMessage>
        {
            ["400"] = await client.PostJsonAsync("/v1/completions", new { model = "names" }),
            ["401"] = await keyed.CreateClient().PostJsonAsync("/v1/completions", new { model = "names", prompt = "a" }),
            ["404"] = await client.PostJsonAsync("/v1/completions", new { model = "no-such-model", prompt = "a" }),
            ["413"] = await client.PostJsonAsync("/v1/completions", new { model = "names", prompt = new string('a', 3000) }),
            ["415"] = await client.PostAsync("/v1/completions", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain")),
        };
        for (int i = 0; i < 10 && !answered.ContainsKey("429"); i++)
            if (await client.PostJsonAsync("/v1/completions", new { model = "names" }) is { StatusCode: HttpStatusCode.TooManyRequests } limited)
                answered["429"] = limited;
        Assert.Equal(completions.Order(), answered.Keys.Order());
        foreach (var (code, response) in answered)
        {
            Assert.Equal(code, ((int)response.StatusCode).ToString());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), code);
            Assert.Equal(code == "401" ? "authentication_error" : code == "429" ? "rate_limit_error" : "invalid_request_error", error.GetProperty("type").GetString());
        }
    }

    /// <summary>A generated client types an operation's result by its success answers, so each operation has one success
    /// schema (cancel and pause answer 200 or 202, both a JobResponse): POST /train is 202 JobResponse only, and the
    /// estimate is its own operation.</summary>
    [Fact]
    public void EveryOperationInTheCommittedDocumentHasExactlyOneSuccessSchema()
    {
        var document = JsonDocument.Parse(File.ReadAllText(CommittedDocumentPath())).RootElement;

        var successes = new Dictionary<string, (string Codes, string[] Schemas)>();
        foreach (var (method, path, operation) in Operations(document))
        {
            var responses = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.NotEmpty(responses);
            var schemas = responses.SelectMany(r => r.Value.TryGetProperty("content", out var content) ? content.EnumerateObject() : [])
                .Select(c => c.Value.TryGetProperty("schema", out var schema) ? schema.ToString() : "").Distinct().ToArray();
            Assert.True(schemas.Length <= 1, $"{method} {path} has {schemas.Length} success schemas: {string.Join(" | ", schemas)}");
            successes[$"{method} {path}"] = (string.Join(',', responses.Select(r => r.Name)), schemas);
        }
        Assert.Equal(("202", "#/components/schemas/JobResponse"), (successes["POST /train"].Codes, SchemaRef(successes["POST /train"].Schemas)));
        Assert.Equal(("200", "#/components/schemas/DryRunResponse"), (successes["POST /train/estimate"].Codes, SchemaRef(successes["POST /train/estimate"].Schemas)));

        static string SchemaRef(string[] schemas) => JsonDocument.Parse(Assert.Single(schemas)).RootElement.GetProperty("$ref").GetString()!;
    }

    /// <summary>With a key configured, exactly the operations the document marks with the scheme answer 401 without it:
    /// all of them but /health.</summary>
    [Fact]
    public async Task TheDocumentedSecurityIsWhatTheServiceEnforces()
    {
        await using var factory = new RnnServiceFactory(new() { ["Auth:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();
        var (_, document) = await ServedDocumentAsync(client, "s3cret");

        var (keyed, open) = (0, new List<string>());
        foreach (var (method, path, operation) in Operations(document))
        {
            var url = path.Replace("{id}", Guid.NewGuid().ToString()).Replace("{deliveryId}", Guid.NewGuid().ToString()).Replace("{name}", "no-such-dataset");
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (operation.TryGetProperty("requestBody", out _))
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            var needsKey = NeedsApiKey(operation);
            keyed += needsKey ? 1 : 0;
            if (!needsKey) open.Add($"{method} {path}");
            Assert.True(needsKey == (response.StatusCode == HttpStatusCode.Unauthorized),
                $"{method} {path}: documented {(needsKey ? "with" : "without")} the API key, answered {(int)response.StatusCode}");
        }
        Assert.True(keyed >= 30, $"Only {keyed} operations need the key");
        Assert.Equal(["GET /health"], open);
    }
}
