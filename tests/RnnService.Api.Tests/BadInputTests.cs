using System.Net;
using System.Text;

namespace RnnService.Api.Tests;

/// <summary>Every bad input and limit is a 4xx ProblemDetails naming the field; none is a 500.</summary>
public sealed class BadInputTests : ServiceTest
{
    [Theory]
    [InlineData("""{"task":"charLM2","dataset":"hamlet"}""", "task")]
    [InlineData("""{"task":1,"dataset":"hamlet"}""", "task")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","architecture":"transformer"}""", "architecture")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"optimizer":"adagrad"}}""", "hyperparameters.optimizer")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"learningRate":NaN}}""", "hyperparameters.learningRate")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"learningRate":"NaN"}}""", "hyperparameters.learningRate")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"dropout":Infinity}}""", "hyperparameters.dropout")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"epochs":1e400}}""", "hyperparameters.epochs")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"epochs":2.5}}""", "hyperparameters.epochs")]
    [InlineData("""{"task":"charlm","dataset":"hamlet","hyperparameters":{"hiddenSise":8}}""", "hyperparameters.hiddenSise")]
    [InlineData("""{"task":"charlm","dataset":"hamlet",""", "body")]
    [InlineData("""[1,2,3]""", "body")]
    [InlineData("""{"task":"charlm"}""", "dataset")]
    [InlineData("""{"dataset":"hamlet"}""", "task")]
    public async Task MalformedOrIncompleteTrainingRequestsAreRejectedNamingTheField(string body, string field)
    {
        var response = await _client.PostRawAsync("/train", body);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task InvalidUtf8IsABadRequestNamingTheField()
    {
        var body = Encoding.UTF8.GetBytes("""{"task":"charlm","dataset":"hamlet","name":"XX"}""");
        var at = Array.IndexOf(body, (byte)'X');
        body[at] = 0xFF;
        body[at + 1] = 0xFE;

        var response = await _client.PostBytesAsync("/train", body);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "name");
    }

    [Theory]
    [InlineData("hiddenSize", 1025, "hyperparameters.hiddenSize")]
    [InlineData("embeddingSize", 1025, "hyperparameters.embeddingSize")]
    [InlineData("layers", 4, "hyperparameters.layers")]
    [InlineData("epochs", 10001, "hyperparameters.epochs")]
    [InlineData("epochs", 0, "hyperparameters.epochs")]
    [InlineData("batchSize", 1025, "hyperparameters.batchSize")]
    [InlineData("sequenceLength", 10001, "hyperparameters.sequenceLength")]
    [InlineData("validationFraction", 0.6, "hyperparameters.validationFraction")]
    [InlineData("validationFraction", -0.1, "hyperparameters.validationFraction")]
    [InlineData("learningRate", 1e39, "hyperparameters.learningRate")]
    [InlineData("learningRate", -0.1, "hyperparameters.learningRate")]
    [InlineData("dropout", 1.0, "hyperparameters.dropout")]
    [InlineData("earlyStoppingPatience", -1, "hyperparameters.earlyStoppingPatience")]
    public async Task HyperParametersBeyondTheLimitsAreRejectedNamingTheField(string name, double value, string field)
    {
        var response = await _client.PostJsonAsync("/train", new
        {
            task = "charlm",
            dataset = "hamlet",
            hyperparameters = new Dictionary<string, object> { [name] = value == Math.Floor(value) && Math.Abs(value) < 1e9 ? (int)value : value },
        });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        var jobs = await (await _client.GetAsync("/jobs")).OkJsonAsync();
        Assert.Equal(0, jobs.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AModelAboveTheParameterCapIsRejectedBeforeAnyWork()
    {
        var response = await _client.PostJsonAsync("/train", new
        {
            task = "charlm", dataset = "hamlet",
            hyperparameters = new { hiddenSize = 1024, embeddingSize = 1024, layers = 3 },
        });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters");
        Assert.Contains("Limits:MaxParameters", problem.GetProperty("errors").GetProperty("hyperparameters")[0].GetString());
    }

    [Fact]
    public async Task AnUnknownDatasetOrOneForAnotherTaskIsRejectedNamingTheDataset()
    {
        await (await _client.PostJsonAsync("/train", new { task = "charlm", dataset = "no-such-data" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        var problem = await (await _client.PostJsonAsync("/train", new { task = "charlm", dataset = "toy-sentiment" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "dataset");
        Assert.Contains("sentiment", problem.GetProperty("errors").GetProperty("dataset")[0].GetString());
    }

    public static TheoryData<object, string> BadPredictions => new()
    {
        { new { text = "good" }, "modelId" },
        { new { modelId = Guid.NewGuid(), text = "" }, "text" },
        { new { modelId = Guid.NewGuid(), text = "   " }, "text" },
        { new { modelId = Guid.NewGuid(), text = new string('a', 10001) }, "text" },
        { new { modelId = Guid.NewGuid() }, "text" },
        { new { modelId = Guid.NewGuid(), text = "good", texts = new[] { "bad" } }, "text" },
        { new { modelId = Guid.NewGuid(), texts = Array.Empty<string>() }, "texts" },
        { new { modelId = Guid.NewGuid(), texts = Enumerable.Repeat("good", 1001) }, "texts" },
        { new { modelId = Guid.NewGuid(), texts = new[] { "good", "" } }, "texts[1]" },
        { new { modelId = "not-a-guid", text = "good" }, "modelId" },
    };

    [Theory]
    [MemberData(nameof(BadPredictions))]
    public async Task BadPredictionRequestsAreRejectedNamingTheField(object body, string field)
    {
        var response = await _client.PostJsonAsync("/predict", body);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    public static TheoryData<object, string> BadGenerations => new()
    {
        { new { prompt = "a" }, "modelId" },
        { new { modelId = Guid.NewGuid(), maxLength = 5001 }, "maxLength" },
        { new { modelId = Guid.NewGuid(), maxLength = 0 }, "maxLength" },
        { new { modelId = Guid.NewGuid(), count = 101 }, "count" },
        { new { modelId = Guid.NewGuid(), temperature = 10.5 }, "temperature" },
        { new { modelId = Guid.NewGuid(), temperature = -1 }, "temperature" },
        { new { modelId = Guid.NewGuid(), topP = 0 }, "topP" },
        { new { modelId = Guid.NewGuid(), topK = -1 }, "topK" },
        { new { modelId = Guid.NewGuid(), prompt = new string('a', 10001) }, "prompt" },
    };

    [Theory]
    [MemberData(nameof(BadGenerations))]
    public async Task BadGenerationRequestsAreRejectedNamingTheField(object body, string field)
    {
        var response = await _client.PostJsonAsync("/generate", body);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task PredictingWithAnUnknownModelIsNotFound()
    {
        var id = Guid.NewGuid();
        var problem = await (await _client.PostJsonAsync("/predict", new { modelId = id, text = "good" }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(id.ToString(), problem.GetProperty("detail").GetString());
        await (await _client.PostJsonAsync("/generate", new { modelId = id })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("Bad")]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234")]
    public async Task DatasetNamesMustMatchThePattern(string name)
    {
        var response = await _client.PostJsonAsync("/datasets", new { name, task = "charlm", format = "text", content = "hello world" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "name");
    }

    public static TheoryData<string, string> BadUploads => new()
    {
        { """{"name":"d1","format":"text","content":"abc"}""", "task" },
        { """{"name":"d1","task":"charlm","content":"abc"}""", "format" },
        { """{"name":"d1","task":"charlm","format":"xml","content":"abc"}""", "format" },
        { """{"name":"d1","task":"charlm","format":"csv","content":"text,label\nabc,1"}""", "format" },
        { """{"name":"d1","task":"sentiment","format":"text","content":"abc"}""", "format" },
        { """{"name":"d1","task":"charlm","format":"text","content":""}""", "content" },
        { """{"name":"d1","task":"sentiment","format":"csv","content":"text,label\ngood,1\nbad,maybe"}""", "content" },
        { """{"name":"d1","task":"sentiment","format":"jsonl","content":"{\"text\":\"good\",\"label\":1}\nnot json"}""", "content" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task BadUploadsAreRejectedNamingTheField(string body, string field)
    {
        var response = await _client.PostRawAsync("/datasets", body);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        var datasets = await (await _client.GetAsync("/datasets")).OkJsonAsync();
        Assert.DoesNotContain(datasets.EnumerateArray(), d => d.GetProperty("name").GetString() == "d1");
    }

    [Fact]
    public async Task BadQueryParametersAndUnknownIdsAreProblems()
    {
        await (await _client.GetAsync("/jobs?status=bogus")).AssertProblemAsync(HttpStatusCode.BadRequest, "status");
        await (await _client.GetAsync("/jobs?pageSize=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "pageSize");
        await (await _client.GetAsync("/jobs?page=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "page");
        await (await _client.GetAsync("/models?pageSize=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "pageSize");
        var id = Guid.NewGuid();
        await (await _client.GetAsync($"/jobs/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/jobs/{id}/metrics")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/jobs/{id}/events")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.PostEmptyJsonAsync($"/jobs/{id}/cancel")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/models/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/models/{id}/weights")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.DeleteAsync($"/models/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/datasets/nope")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.DeleteAsync("/datasets/nope")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class SizeLimitTests
{
    [Fact]
    public async Task ARequestBodyOverTheLimitIsA413Problem()
    {
        await using var factory = new RnnServiceFactory(new() { ["Limits:MaxRequestBodyBytes"] = "2000" });
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/predict", new { modelId = Guid.NewGuid(), text = new string('a', 3000) });

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Limits:MaxRequestBodyBytes", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnUploadOverTheUploadLimitIsA413NamingTheContent()
    {
        await using var factory = new RnnServiceFactory(new() { ["Limits:MaxUploadBytes"] = "100" });
        using var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/datasets", new { name = "big", task = "charlm", format = "text", content = new string('a', 101) });

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "content");
        var ok = await client.PostJsonAsync("/datasets", new { name = "small", task = "charlm", format = "text", content = new string('a', 100) });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }
}
