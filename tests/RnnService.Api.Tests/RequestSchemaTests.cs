using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RnnService.Api.Tests;

/// <summary>The request schemas of the served OpenAPI document against the handlers: what is required is what a handler
/// refuses without, each example is accepted as it stands, and the documented defaults are the ones applied.</summary>
public sealed class RequestSchemaTests() : ServiceTest(new() { ["Webhooks:AllowPrivateTargets"] = "true" })
{
    // Path parameters of the operations that take a request body: the models trained below, an alias, the webhook created by
    // POST /webhooks's example (filled in when that runs).
    private readonly Dictionary<string, string> _pathValues = new() { ["name"] = "names", ["alias"] = "production" };

    private async Task<JsonElement> DocumentAsync() => await (await _client.GetAsync("/openapi/v1.json")).OkJsonAsync();

    /// <summary>(method, path, schema name) of each operation whose JSON body is a request schema, in document order.</summary>
    private static List<(string Method, string Path, string Schema)> BodyOperations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(op => op.Value.TryGetProperty("requestBody", out _))
            .Select(op => (op.Name.ToUpperInvariant(), path.Name,
                op.Value.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")
                    .GetProperty("$ref").GetString()!.Split('/')[^1])))
            .ToList();

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string method, string path, JsonObject body)
    {
        var url = _pathValues.Aggregate(path, (u, p) => u.Replace($"{{{p.Key}}}", p.Value));
        using var request = new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A ProblemDetails whose errors name the field, or (the /v1 paths) OpenAI's error whose param is the field.</summary>
    private static bool NamesField(JsonElement problem, string field) =>
        problem.ValueKind == JsonValueKind.Object &&
        (problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _) ||
         problem.TryGetProperty("error", out var error) && error.TryGetProperty("param", out var param) && param.ValueKind == JsonValueKind.String && param.GetString() == field);

    [Fact]
    public async Task EachRequestSchemaRequiresExactlyWhatItsHandlerRefusesWithoutAndItsExampleIsAccepted()
    {
        // The examples refer to a char model "names" and a sentiment model "reviews".
        await _client.WaitForSuccessAsync((await _client.TrainAsync(new
        {
            task = "charlm", dataset = "us-names", name = "names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 1 },
        })).Id());
        await _client.WaitForSuccessAsync((await _client.TrainAsync(Jobs.Sentiment(epochs: 3, name: "reviews"))).Id());

        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var operations = BodyOperations(document);
        Assert.Contains(operations, op => op.Schema == "TrainRequest");
        Assert.True(operations.Count >= 8, $"Only {operations.Count} operations with a request body");
        // Webhooks last, once no job can still be running: their example's events (job.succeeded) would then go out.
        foreach (var (method, path, schemaName) in operations.OrderBy(op => op.Path.StartsWith("/webhooks")))
        {
            if (path.StartsWith("/webhooks")) await CancelUnfinishedJobsAsync();
            var schema = schemas.GetProperty(schemaName);
            Assert.True(schema.TryGetProperty("examples", out var examples), $"{schemaName} has no example");
            var example = JsonNode.Parse(examples[0].GetRawText())!.AsObject();
            var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()!).ToHashSet() : [];
            var eitherOr = EitherOrGroups(schema);
            Assert.All(required, field => Assert.True(example.ContainsKey(field), $"{schemaName}'s example lacks its required {field}"));

            var (status, body) = await SendAsync(method, path, example);
            Assert.True((int)status is >= 200 and < 300, $"{method} {path} refused {schemaName}'s example with {(int)status}: {body}");
            if (path == "/webhooks" && method == "POST") _pathValues["id"] = body.GetProperty("webhook").GetProperty("id").GetString()!;

            foreach (var field in example.Select(p => p.Key).ToList())
            {
                var without = example.DeepClone().AsObject();
                without.Remove(field);
                (status, body) = await SendAsync(method, path, without);
                if (required.Contains(field))
                    Assert.True(status == HttpStatusCode.BadRequest && NamesField(body, field),
                        $"{method} {path} without the required {field} answered {(int)status}, not a 400 naming it: {body}");
                else if (eitherOr.FirstOrDefault(group => group.Contains(field)) is { } group)
                    Assert.True(status == HttpStatusCode.BadRequest && group.Any(f => NamesField(body, f)),
                        $"{method} {path} without {field} (one of {string.Join(", ", group)} is required) answered {(int)status}: {body}");
                else
                    Assert.False(status == HttpStatusCode.BadRequest && NamesField(body, field),
                        $"{method} {path} refuses a request without {field}, which {schemaName} marks optional: {body}");
            }
        }
    }

    /// <summary>The groups of allOf [{oneOf: [{required: [a]}, {required: [b]}]}]: one field of each is required.</summary>
    private static List<string[]> EitherOrGroups(JsonElement schema) =>
        schema.TryGetProperty("allOf", out var all)
            ? all.EnumerateArray().Select(group => group.GetProperty("oneOf").EnumerateArray()
                .Select(option => Assert.Single(option.GetProperty("required").EnumerateArray().ToList()).GetString()!).ToArray()).ToList()
            : [];

    private async Task CancelUnfinishedJobsAsync()
    {
        var jobs = await (await _client.GetAsync("/jobs?pageSize=100")).OkJsonAsync();
        foreach (var job in jobs.GetProperty("items").EnumerateArray().Where(j => j.Status() is "queued" or "running"))
        {
            await _client.PostEmptyJsonAsync($"/jobs/{job.Id()}/cancel");
            await _client.WaitForJobAsync(job.Id(), TimeSpan.FromSeconds(60), "cancelled", "succeeded", "failed");
        }
    }

    /// <summary>Every hyper-parameter the document gives a default is that value in a job trained without it, for each
    /// task and kind of data.</summary>
    [Fact]
    public async Task TheDocumentedTrainingDefaultsAreTheOnesAJobGets()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        var defaults = Defaults(schemas.GetProperty("HyperparametersRequest"));
        Assert.True(defaults.Count >= 8, $"Only {defaults.Count} hyper-parameters have a default: {string.Join(", ", defaults.Keys)}");

        foreach (var (task, dataset) in new[] { ("charlm", "us-names"), ("charlm", "hamlet"), ("sentiment", "toy-sentiment") })
        {
            var job = await _client.TrainAsync(new { task, dataset });
            var effective = job.GetProperty("hyperparameters");
            foreach (var (field, value) in defaults)
                Assert.True(JsonElement.DeepEquals(value, effective.GetProperty(field)), $"{task} on {dataset}: {field} is {effective.GetProperty(field)}, documented {value}");
        }
    }

    /// <summary>/generate with every documented default written out samples what it samples with them omitted.</summary>
    [Fact]
    public async Task TheDocumentedGenerationDefaultsAreTheOnesAGenerationUses()
    {
        var model = (await _client.WaitForSuccessAsync((await _client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        var defaults = Defaults((await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("GenerateRequest"));
        Assert.Equal(["count", "excludeTrainingSamples", "minLength", "prefix", "prompt", "stop", "stream", "temperature", "topK", "topP"], defaults.Keys.Order());

        var omitted = new JsonObject { ["modelId"] = model.ToString(), ["seed"] = 11, ["maxLength"] = 12 };
        var explicitDefaults = omitted.DeepClone().AsObject();
        foreach (var (field, value) in defaults) explicitDefaults[field] = JsonNode.Parse(value.GetRawText());
        explicitDefaults["temperature"] = 0.5; // one setting off its default changes the samples, so they are not all alike anyway
        var changed = await (await _client.PostRawAsync("/generate", explicitDefaults.ToJsonString())).OkJsonAsync();
        explicitDefaults["temperature"] = JsonNode.Parse(defaults["temperature"].GetRawText());

        var withDefaults = await (await _client.PostRawAsync("/generate", explicitDefaults.ToJsonString())).OkJsonAsync();
        var withoutThem = await (await _client.PostRawAsync("/generate", omitted.ToJsonString())).OkJsonAsync();
        Assert.Equal(withoutThem.GetProperty("samples").ToString(), withDefaults.GetProperty("samples").ToString());
        Assert.NotEqual(withoutThem.GetProperty("samples").ToString(), changed.GetProperty("samples").ToString());
    }

    private static Dictionary<string, JsonElement> Defaults(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject()
            .Select(p => (p.Name, Default: DefaultOf(p.Value)))
            .Where(p => p.Default is not null)
            .ToDictionary(p => p.Name, p => p.Default!.Value);

    // A property whose schema is a $ref (an enum) carries its default beside the $ref, inside oneOf [null, $ref].
    private static JsonElement? DefaultOf(JsonElement property) =>
        property.TryGetProperty("default", out var value) ? value
        : property.TryGetProperty("oneOf", out var options) ? options.EnumerateArray().Select(DefaultOf).FirstOrDefault(d => d is not null)
        : null;
}
