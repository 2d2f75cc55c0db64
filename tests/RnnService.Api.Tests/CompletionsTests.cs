using System.Net;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Issue 25 item 2: /v1/completions and /v1/models in the shape of OpenAI's legacy Completions API, on the wire.</summary>
public sealed class CompletionsTests
{
    [Fact]
    public async Task ACompletionHasOpenAisShapeCountsCharactersAndIsTheSameTextGenerateWritesForTheSameSeed()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var answer = await (await client.PostJsonAsync("/v1/completions",
            new { model = modelId.ToString(), prompt = new[] { "ma", "jo" }, max_tokens = 8, n = 3, seed = 6, temperature = 0.9 })).OkJsonAsync();
        Assert.StartsWith("cmpl-", answer.GetProperty("id").GetString());
        Assert.Equal("text_completion", answer.GetProperty("object").GetString());
        Assert.Equal(modelId.ToString(), answer.GetProperty("model").GetString());
        var choices = answer.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("logprobs").ValueKind));
        Assert.All(choices, c => Assert.Contains(c.GetProperty("finish_reason").GetString(), new[] { "stop", "length" }));

        // Each prompt's choices are what /generate writes for it with the same seed (without the prompt).
        foreach (var (prompt, first) in new[] { ("ma", 0), ("jo", 3) })
        {
            var samples = (await (await client.PostJsonAsync("/generate", new { modelId, prompt, maxLength = 8, count = 3, seed = 6, temperature = 0.9 }))
                .OkJsonAsync()).GetProperty("samples").EnumerateArray().Select(s => s.GetString()![2..]).ToList();
            Assert.Equal(samples, choices.Skip(first).Take(3).Select(c => c.GetProperty("text").GetString()));
        }
        var usage = answer.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(choices.Sum(c => c.GetProperty("text").GetString()!.Length), usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task EchoWithoutTokensGivesThePromptsOwnLogprobsAsScoreGivesTheirProbabilities()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");

        var choice = (await (await client.PostJsonAsync("/v1/completions", new { model = modelId.ToString(), prompt = "maria", max_tokens = 0, echo = true, logprobs = 2 }))
            .OkJsonAsync()).GetProperty("choices")[0];
        Assert.Equal("maria", choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var logprobs = choice.GetProperty("logprobs");
        Assert.Equal(["m", "a", "r", "i", "a"], logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([0, 1, 2, 3, 4], logprobs.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()));
        var score = (await (await client.PostJsonAsync("/score", new { modelId, text = "maria", top = 2 })).OkJsonAsync())
            .GetProperty("scores")[0].GetProperty("characters");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(Math.Log(score[i].GetProperty("probability").GetDouble()), logprobs.GetProperty("token_logprobs")[i].GetDouble(), 6);
            var top = logprobs.GetProperty("top_logprobs")[i].EnumerateObject().ToList();
            Assert.Equal(score[i].GetProperty("alternatives").EnumerateArray().Select(a => a.GetProperty("character").GetString()), top.Select(t => t.Name));
        }
    }

    [Fact]
    public async Task GeneratedLogprobsAndStreamedChunksAddUpToTheCompletion()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var body = new Dictionary<string, object> { ["model"] = modelId.ToString(), ["prompt"] = "a", ["max_tokens"] = 10, ["n"] = 2, ["seed"] = 3, ["logprobs"] = 1 };

        var whole = (await (await client.PostJsonAsync("/v1/completions", body)).OkJsonAsync()).GetProperty("choices");
        for (int i = 0; i < 2; i++)
        {
            var logprobs = whole[i].GetProperty("logprobs");
            Assert.Equal(whole[i].GetProperty("text").GetString(), string.Concat(logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString())));
            Assert.All(logprobs.GetProperty("token_logprobs").EnumerateArray(), l => Assert.InRange(l.GetDouble(), -30, 0));
        }

        body["stream"] = true;
        body["stream_options"] = new { include_usage = true };
        var response = await client.PostJsonAsync("/v1/completions", body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("event:", stream);
        var data = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", data[^1]);
        var chunks = data.SkipLast(1).Select(d => JsonDocument.Parse(d).RootElement.Clone()).ToList();
        var usage = chunks[^1];
        Assert.Empty(usage.GetProperty("choices").EnumerateArray());
        Assert.Equal(whole.EnumerateArray().Sum(c => c.GetProperty("text").GetString()!.Length), usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        for (int i = 0; i < 2; i++)
        {
            var mine = chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0]).Where(c => c.GetProperty("index").GetInt32() == i).ToList();
            Assert.Equal(whole[i].GetProperty("text").GetString(), string.Concat(mine.Select(c => c.GetProperty("text").GetString())));
            Assert.Equal(whole[i].GetProperty("finish_reason").GetString(), mine[^1].GetProperty("finish_reason").GetString());
            Assert.All(mine.SkipLast(1), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        }
    }

    [Fact]
    public async Task ErrorsOnV1PathsHaveOpenAisShapeNameTheParameterAndKeepTheirStatus()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:MaxRequestWork"] = "1000000" });
        using var client = factory.CreateClient();
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id())).Id("modelId");
        string model = names.ToString();

        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model = sentiment.ToString(), prompt = "a" }),
            HttpStatusCode.BadRequest, "model", "sentiment model");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model = "nobody@3", prompt = "a" }),
            HttpStatusCode.NotFound, "model", "No model named 'nobody'", code: "model_not_found");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = new[] { 1, 2 } }),
            HttpStatusCode.BadRequest, "prompt", "token ids are not supported");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = "a", max_tokens = "many" }),
            HttpStatusCode.BadRequest, "max_tokens", "");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = "a", top_p = 0 }),
            HttpStatusCode.BadRequest, "top_p", "(0, 1]");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = "a", logprobs = 21 }),
            HttpStatusCode.BadRequest, "logprobs", "between 0 and 20");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = "a", n = 20, max_tokens = 500 }),
            HttpStatusCode.BadRequest, "max_tokens", "Inference:MaxRequestWork");
        await AssertErrorAsync(await client.PostJsonAsync("/v1/completions", new { model, prompt = "a", frequency_penalty = 1 }),
            HttpStatusCode.BadRequest, "frequency_penalty", "");
    }

    [Fact]
    public async Task ModelsListsTheCharModelsByTheReferenceToSendAsModel()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitForSuccessAsync((await client.TrainAsync(new { task = "charlm", dataset = "us-names", name = "names",
            hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 1 } })).Id());
        var unnamed = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id());

        var list = await (await client.GetAsync("/v1/models")).OkJsonAsync();
        Assert.Equal("list", list.GetProperty("object").GetString());
        var data = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["names@1", unnamed.ToString()], data.Select(m => m.GetProperty("id").GetString()));
        Assert.All(data, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.All(data, m => Assert.Equal("rnnservice", m.GetProperty("owned_by").GetString()));
        // The listed reference completes.
        await (await client.PostJsonAsync("/v1/completions", new { model = "names@1", prompt = "a", max_tokens = 3 })).OkJsonAsync();
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string param, string says, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }
}
