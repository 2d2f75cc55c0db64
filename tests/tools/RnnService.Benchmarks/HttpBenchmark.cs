// The "http" workload: the service on loopback, POST /predict under load, alone and while a
// training job runs. A separate process (the API built in Release) so the load client and the
// service are measured as a user would run them; both share this machine's cores.
// Failed requests (non-2xx or a transport error) are counted apart: they are neither in the latency
// percentiles nor in the throughput.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RnnService.Benchmarks;

/// <summary>Requests: the successful ones (the figures are theirs); Errors: the failed ones.</summary>
internal sealed record HttpFigures(string Name, double P50Ms, double P99Ms, double RequestsPerSecond, int Requests, int Errors);

internal static class HttpBenchmark
{
    private const string Sentence = "i am very happy today";

    /// <summary>Starts the service (as built, or published ReadyToRun into <paramref name="folder"/>, with extra
    /// environment settings), trains a toy model, measures, stops everything it started.</summary>
    public static IReadOnlyList<HttpFigures> Run(bool quick, IReadOnlyDictionary<string, string>? environment = null,
        string? folder = null, bool readyToRun = false)
    {
        // The default rate limit (per client address) would answer a load test with 429s.
        var settings = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["Inference__PermitLimit"] = "100000000" };
        using var host = ServiceHost.Start("http", settings, folder, readyToRun);
        var client = host.Client;
        var job0 = host.WaitForStatus(host.PostTrain("""{"task":"sentiment","dataset":"toy-sentiment"}"""), "succeeded");
        string modelId = job0.GetProperty("modelId").GetString()!;
        var body = JsonSerializer.Serialize(new { modelId, text = Sentence });
        var seconds = quick ? 1.0 : 5.0;
        var figures = new List<HttpFigures>();

        Load(client, body, connections: 1, seconds: quick ? 0.5 : 3); // warm-up: JIT, model cache
        figures.Add(Load(client, body, connections: 1, seconds) with { Name = "http predict latency, 1 connection" });
        figures.Add(Load(client, body, connections: 16, seconds) with { Name = "http predict throughput, 16 connections" });

        // A names job long enough to outlast the measurement.
        string job = host.PostTrain("""{"task":"charlm","dataset":"us-names","hyperparameters":{"hiddenSize":256,"embeddingSize":100,"batchSize":20,"epochs":200}}""");
        host.WaitForStatus(job, "running");
        figures.Add(Load(client, body, connections: 1, seconds) with { Name = "http predict latency while training" });
        figures.Add(Load(client, body, connections: 16, seconds) with { Name = "http predict throughput while training" });
        client.PostAsJsonAsync($"/jobs/{job}/cancel", new { }).GetAwaiter().GetResult();
        return figures;
    }

    /// <summary>The "http-image" workload: the same measurements for the service as built, published ReadyToRun (as the
    /// Dockerfile publishes the image), and published ReadyToRun with DOTNET_TieredCompilation=0, in alternating rounds;
    /// one line per setting and figure, requests/s of each round.</summary>
    public static IReadOnlyList<string> RunImageSettings(MeasureSettings measure)
    {
        ServiceSetting[] settings = [ServiceSetting.AsBuilt, ServiceSetting.ReadyToRunImage, ServiceSetting.ReadyToRunWithoutTiering];
        bool quick = measure.MinRuns == MeasureSettings.Quick.MinRuns;
        var perSetting = settings.ToDictionary(s => s.Name, _ => new List<HttpFigures>());
        string folder = Directory.CreateTempSubdirectory("rnnservice-http-image-bench").FullName;
        try
        {
            for (int round = 0; round < Math.Clamp(measure.Rounds, 1, 5); round++)
                foreach (var setting in settings)
                    perSetting[setting.Name].AddRange(Run(quick, setting.Environment, folder, setting.ReadyToRun)
                        .Select(f => f with { Name = $"{setting.Name}: {f.Name}" }));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        return perSetting.Values.SelectMany(figures => figures.GroupBy(f => f.Name).Select(g =>
            $"{g.Key}: {string.Join(", ", g.Select(f => f.RequestsPerSecond.ToString("F0")))} req/s, " +
            $"p50 {string.Join(", ", g.Select(f => f.P50Ms.ToString("F2")))} ms, {g.Sum(f => f.Errors)} failed")).ToList();
    }

    /// <summary>`connections` clients post back to back for `seconds`; latency per successful request, successful requests/s.</summary>
    private static HttpFigures Load(HttpClient client, string body, int connections, double seconds)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var perWorker = new List<double>[connections];
        int errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var latencies = perWorker[i] = new List<double>(100_000);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                    using var response = await client.PostAsync("/predict", content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.IsSuccessStatusCode) latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    else Interlocked.Increment(ref errors);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        var ok = perWorker.SelectMany(l => l).Order().ToArray();
        return new HttpFigures("", Percentile(ok, 0.50), Percentile(ok, 0.99), ok.Length / elapsed, ok.Length, errors);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    public static string Line(HttpFigures f) =>
        $"{f.Name}  p50 {f.P50Ms:F2} ms  p99 {f.P99Ms:F2} ms  {f.RequestsPerSecond:F0} req/s  ({f.Requests} ok, {f.Errors} failed and excluded)";
}
