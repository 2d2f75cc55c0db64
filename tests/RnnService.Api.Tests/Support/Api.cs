using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace RnnService.Api.Tests;

/// <summary>Small HTTP helpers: tests look at the JSON as it is on the wire.</summary>
public static class Api
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostRawAsync(url, JsonSerializer.Serialize(body));

    /// <summary>A bodiless POST (cancel, pause, resume, webhook test) as the dashboard sends it: typed application/json,
    /// which a cross-site form cannot be.</summary>
    public static Task<HttpResponseMessage> PostEmptyJsonAsync(this HttpClient client, string url) =>
        client.PostAsync(url, new StringContent("", Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostBytesAsync(this HttpClient client, string url, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(url, content);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> OkJsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and, when given, an error for <paramref name="field"/>.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors), $"No errors in {text}");
            Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {text}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        return problem;
    }

    public static async Task<JsonElement> TrainAsync(this HttpClient client, object request)
    {
        var response = await client.PostJsonAsync("/train", request);
        var job = await response.OkJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/jobs/{job.GetProperty("id").GetGuid()}", response.Headers.Location?.ToString());
        return job;
    }

    /// <summary>Polls GET /jobs/{id} until the job reaches one of <paramref name="statuses"/>.</summary>
    public static async Task<JsonElement> WaitForJobAsync(this HttpClient client, Guid id, TimeSpan timeout, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await (await client.GetAsync($"/jobs/{id}")).OkJsonAsync();
            var status = job.GetProperty("status").GetString()!;
            if (statuses.Contains(status)) return job;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Job {id} is still '{status}' after {timeout}; wanted {string.Join('/', statuses)}: {job}");
            await Task.Delay(100);
        }
    }

    public static Task<JsonElement> WaitForSuccessAsync(this HttpClient client, Guid id, int seconds = 90) =>
        client.WaitForJobAsync(id, TimeSpan.FromSeconds(seconds), "succeeded", "failed", "cancelled")
            .ContinueWith(t =>
            {
                var job = t.Result;
                Assert.True(job.GetProperty("status").GetString() == "succeeded", $"Job did not succeed: {job}");
                return job;
            });

    /// <summary>Polls GET /jobs/{id} until <paramref name="condition"/> holds.</summary>
    public static async Task<JsonElement> WaitUntilAsync(this HttpClient client, Guid id, Func<JsonElement, bool> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await (await client.GetAsync($"/jobs/{id}")).OkJsonAsync();
            if (condition(job)) return job;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Condition not met for job {id} in {seconds} s: {job}");
            await Task.Delay(50);
        }
    }

    public static int Epoch(this JsonElement job) => job.GetProperty("progress").GetProperty("epoch").GetInt32();
    public static string Status(this JsonElement job) => job.GetProperty("status").GetString()!;

    public static Guid Id(this JsonElement element, string property = "id") => element.GetProperty(property).GetGuid();
}
