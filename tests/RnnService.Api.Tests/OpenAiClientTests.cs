using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace RnnService.Api.Tests;

/// <summary>Issue 25 item 2: OpenAI's own Node client (the npm package, pinned) talks to /v1 on a real socket. npm installs
/// it into this test's temp folder; when npm cannot, the test fails and says why (CI must reach the npm registry).</summary>
public sealed class OpenAiClientTests
{
    /// <summary>The newest release that runs on Node 20 (7.x needs Node 22).</summary>
    private const string OpenAiPackage = "openai@6.49.0";

    private const string ClientScript = """
        import OpenAI from 'openai';
        const [baseURL, model] = process.argv.slice(2);
        const client = new OpenAI({ baseURL, apiKey: 'any-key', maxRetries: 0 });
        const out = {};
        out.plain = await client.completions.create({ model, prompt: 'ma', max_tokens: 8, seed: 5 });
        out.n = await client.completions.create({ model, prompt: ['ma', 'jo'], max_tokens: 8, n: 3, seed: 5 });
        out.logprobs = await client.completions.create({ model, prompt: 'a', max_tokens: 6, logprobs: 3, seed: 2 });
        out.echo = await client.completions.create({ model, prompt: 'maria', max_tokens: 0, echo: true, logprobs: 1 });
        const stream = await client.completions.create({ model, prompt: 'ma', max_tokens: 8, seed: 5, stream: true,
          stream_options: { include_usage: true } });
        out.streamed = [];
        for await (const chunk of stream) out.streamed.push(chunk);
        out.models = [];
        for await (const m of client.models.list()) out.models.push(m);
        try { await client.completions.create({ model: 'nobody', prompt: 'a' }); }
        catch (e) { out.failed = { status: e.status, kind: e.constructor.name, error: e.error }; }
        process.stdout.write(JSON.stringify(out));
        """;

    [Fact]
    public async Task TheOfficialOpenAiNodeClientCompletesStreamsScoresAndListsModels()
    {
        await using var factory = new RnnServiceFactory();
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names())).Id())).Id("modelId");
        var expected = (await (await client.PostJsonAsync("/generate", new { modelId, prompt = "ma", maxLength = 8, seed = 5 })).OkJsonAsync())
            .GetProperty("samples")[0].GetString()![2..];
        var expectedThree = (await (await client.PostJsonAsync("/generate", new { modelId, prompt = "ma", maxLength = 8, seed = 5, count = 3 })).OkJsonAsync())
            .GetProperty("samples").EnumerateArray().Select(s => s.GetString()![2..]).ToList();

        var folder = Directory.CreateTempSubdirectory("rnnservice-openai-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "package.json"), """{ "private": true, "type": "module" }""");
            await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--save-exact", OpenAiPackage], folder,
                $"npm could not install {OpenAiPackage} (is the npm registry reachable?)");
            File.WriteAllText(Path.Combine(folder, "client.mjs"), ClientScript);
            var output = await RunAsync("node", ["client.mjs", $"{address}/v1", modelId.ToString()], folder, "the openai client failed");
            var answers = JsonDocument.Parse(output).RootElement;

            var plain = answers.GetProperty("plain");
            Assert.Equal("text_completion", plain.GetProperty("object").GetString());
            Assert.Equal(expected, plain.GetProperty("choices")[0].GetProperty("text").GetString());

            var n = answers.GetProperty("n").GetProperty("choices");
            Assert.Equal(6, n.GetArrayLength());
            Assert.Equal(expectedThree, n.EnumerateArray().Take(3).Select(c => c.GetProperty("text").GetString()));   // prompt "ma"'s choices

            var logprobs = answers.GetProperty("logprobs").GetProperty("choices")[0];
            var tokens = logprobs.GetProperty("logprobs").GetProperty("tokens").EnumerateArray().Select(t => t.GetString()).ToList();
            Assert.Equal(logprobs.GetProperty("text").GetString(), string.Concat(tokens));
            Assert.All(logprobs.GetProperty("logprobs").GetProperty("top_logprobs").EnumerateArray(), top => Assert.Equal(3, top.EnumerateObject().Count()));

            var echo = answers.GetProperty("echo").GetProperty("choices")[0];
            Assert.Equal("maria", echo.GetProperty("text").GetString());
            Assert.Equal(5, echo.GetProperty("logprobs").GetProperty("token_logprobs").GetArrayLength());
            Assert.All(echo.GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray(), l => Assert.True(l.GetDouble() < 0));

            var streamed = answers.GetProperty("streamed").EnumerateArray().ToList();
            Assert.Equal(expected, string.Concat(streamed.SkipLast(1).Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
            Assert.Equal(expected.Length, streamed[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());

            Assert.Equal([modelId.ToString()], answers.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

            var failed = answers.GetProperty("failed");
            Assert.Equal(404, failed.GetProperty("status").GetInt32());
            Assert.Equal("NotFoundError", failed.GetProperty("kind").GetString());
            Assert.Equal("model_not_found", failed.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("model", failed.GetProperty("error").GetProperty("param").GetString());
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Runs a command to its end (at most 5 minutes); its standard output, or a failed test with both outputs.</summary>
    private static async Task<string> RunAsync(string command, string[] arguments, string folder, string failure)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        if (!process.HasExited || process.ExitCode != 0)
            Assert.Fail($"{failure}: {command} {string.Join(' ', arguments)} exited {(process.HasExited ? process.ExitCode : "after 5 minutes")}\n" +
                $"{await errors}\n{await output}");
        return await output;
    }
}
