using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;
using RnnService.Api.Inference;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>Issue 25 item 1: POST /generate with "stream": true answers server-sent events as the samples grow.</summary>
public sealed class GenerateStreamTests
{
    [Fact]
    public async Task StreamedEventsAddUpToTheSamplesTheSameRequestAnswersWholeAndEndWithTheUsage()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var request = new { modelId, prompt = "m", prefix = "a", count = 6, maxLength = 9, seed = 4, stop = new[] { "n" } };
        var whole = (await (await client.PostJsonAsync("/generate", request)).OkJsonAsync()).GetProperty("samples")
            .EnumerateArray().Select(s => s.GetString()!).ToList();

        var response = await client.PostJsonAsync("/generate", new { request.modelId, request.prompt, request.prefix, request.count,
            request.maxLength, request.seed, request.stop, stream = true });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ReadEvents(await response.Content.ReadAsStringAsync());

        for (int s = 0; s < whole.Count; s++)
        {
            var texts = events.Where(e => e.Type == "text" && e.Data.GetProperty("sample").GetInt32() == s).Select(e => e.Data.GetProperty("text").GetString());
            Assert.Equal(whole[s], "m" + string.Concat(texts));
            var end = Assert.Single(events, e => e.Type == "end" && e.Data.GetProperty("sample").GetInt32() == s);
            // Every sample ends for the reason its text shows: cut at a stop string, the line's end, or maxLength.
            var finish = end.Data.GetProperty("finish").GetString();
            Assert.Contains(finish, new[] { "length", "stop", "endofline" });
            if (finish == "length") Assert.Equal(1 + 9, whole[s].Length);
            else Assert.True(whole[s].Length < 10, whole[s]);
            // No text of a sample follows its end.
            Assert.DoesNotContain(events.SkipWhile(e => e != end), e => e.Type == "text" && e.Data.GetProperty("sample").GetInt32() == s);
        }
        Assert.Contains(events, e => e.Type == "end" && e.Data.GetProperty("finish").GetString() == "stop");
        // A step that wrote nothing (a stop string held back, then cut) sends no text event.
        Assert.All(events.Where(e => e.Type == "text"), e => Assert.NotEqual("", e.Data.GetProperty("text").GetString()));
        var usage = events[^1];
        Assert.Equal("usage", usage.Type);
        Assert.Equal(4, usage.Data.GetProperty("seed").GetInt32());
        Assert.Equal(whole.Sum(s => s.Length - 1), usage.Data.GetProperty("generatedCharacters").GetInt32());
        Assert.Equal(1, usage.Data.GetProperty("promptCharacters").GetInt32());
    }

    [Fact]
    public async Task AStreamIsRefusedBeforeItStartsWhenOverTheWorkBudgetWithExcludedTrainingLinesOrOnASentimentModel()
    {
        await using var factory = new RnnServiceFactory(new() { ["Inference:MaxRequestWork"] = "1000000" });
        using var client = factory.CreateClient();
        var names = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var sentiment = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 2))).Id())).Id("modelId");

        await (await client.PostJsonAsync("/generate", new { modelId = names, count = 20, maxLength = 500, stream = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "count");
        await (await client.PostJsonAsync("/generate", new { modelId = names, excludeTrainingSamples = true, stream = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "stream");
        await (await client.PostJsonAsync("/generate", new { modelId = sentiment, stream = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "modelId");
        await (await client.PostJsonAsync("/generate", new { modelId = names, temperature = -1, stream = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "temperature");
    }

    [Fact]
    public async Task AClientThatLeavesMidStreamStopsItsGenerationAndFreesItsSlot()
    {
        await using var factory = new RnnServiceFactory(new() { ["Limits:MaxGenerateLength"] = "200000" });
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var slots = factory.Services.GetRequiredService<InferenceSlots>();
        // minLength = maxLength: no sample may end its line early, so only the client's leaving ends this (it would run for minutes).
        var body = new { modelId, count = 10, maxLength = 200000, minLength = 200000, stream = true };
        using var leave = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = JsonContent(body) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
        // The stream stays open until the slot is checked: disposing the reader is the client leaving.
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(leave.Token));
        Assert.StartsWith("event: text", await reader.ReadLineAsync(leave.Token));
        Assert.Equal(1, slots.Running);
        leave.Cancel();
        reader.Dispose();
        response.Dispose();

        var model = (CharLanguageModel)(await factory.Services.GetRequiredService<ModelCache>()
            .GetAsync(modelId, factory.Services.CreateScope().ServiceProvider.GetRequiredService<RnnDbContext>(), default))!;
        await Poll.UntilAsync(() => slots.Running == 0, TimeSpan.FromSeconds(20), "the slot was not freed");
        long stopped = model.GenerationSteps;
        await Task.Delay(300);
        Assert.Equal(stopped, model.GenerationSteps);
        Assert.True(stopped < 200000, $"{stopped} steps: the generation ran to its end");
    }

    private sealed record ServerEvent(string Type, JsonElement Data);

    private static List<ServerEvent> ReadEvents(string stream) =>
        stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            var lines = block.Split('\n');
            var type = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..];
            var data = lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
            return new ServerEvent(type, JsonDocument.Parse(data).RootElement.Clone());
        }).ToList();

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
