// The "http" workload's inference-limits line (issue 14): light /predict latency while four clients post
// maximum-size /generate requests to the largest model the limits allow, once with the issue-14 limits
// turned off by configuration (the service as it was before) and once with the defaults.
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace RnnService.Benchmarks;

internal static class InferenceLoadBenchmark
{
    private const int HeavyClients = 4;
    private const string Sentence = "i am very happy today";
    // 5 × 200 = 1000 steps × 18.9 M multiply-adds per step of the largest model: just inside the default
    // Inference:MaxRequestWork, 2 × 10¹⁰ (no prompt: the model's default one).
    private const string HeavyBody = """{"modelId":"MODEL","count":5,"maxLength":200}""";
    // The heaviest shape under Limits:MaxParameters (20 M): a 3-layer GRU, hidden and embedding 1024 (19.0 M).
    private const string LargestModel = """{"task":"charlm","dataset":"hamlet","architecture":"gru","hyperparameters":{"hiddenSize":1024,"embeddingSize":1024,"layers":3,"epochs":1}}""";

    private static readonly Dictionary<string, string> LimitsOff = new()
    {
        ["Inference__MaxConcurrentRequests"] = "100000",
        ["Inference__RequestTimeout"] = "00:00:00",
    };

    public static IReadOnlyList<HttpFigures> Run(bool quick)
    {
        string work = Directory.CreateTempSubdirectory("rnnservice-inference-bench").FullName;
        double seconds = quick ? 3 : 10;
        var figures = new List<HttpFigures>();
        try
        {
            string? sentiment = null, largest = null;
            foreach (var (name, settings) in new[] { ("limits off", LimitsOff), ("default limits", new Dictionary<string, string>()) })
            {
                // Both runs share one build and one database, so the models are trained once.
                var environment = new Dictionary<string, string>(settings) { ["Inference__PermitLimit"] = "100000000" }; // the per-client rate limit is not under test
                using var service = ServiceHost.Start("inference limits", environment, work);
                sentiment ??= TrainAndWait(service, """{"task":"sentiment","dataset":"toy-sentiment"}""");
                largest ??= TrainAndWait(service, LargestModel);
                var f = Measure(service.Client, sentiment, largest, seconds);
                figures.Add(f.Light with { Name = $"http predict latency, {HeavyClients} max-size generates, {name}" });
                Console.WriteLine($"  {name}: generate {f.Completed} answered 200, {f.Refused} 503, {f.TimedOut} 504, {f.Other} other; " +
                    $"median generate {f.GenerateMedianMs:F0} ms");
            }
            return figures;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string TrainAndWait(ServiceHost service, string json) =>
        service.WaitForStatus(service.PostTrain(json), "succeeded", TimeSpan.FromMinutes(5)).GetProperty("modelId").GetString()!;

    private sealed record Figures(HttpFigures Light, int Completed, int Refused, int TimedOut, int Other, double GenerateMedianMs);

    private static Figures Measure(HttpClient client, string sentiment, string largest, double seconds)
    {
        string light = JsonSerializer.Serialize(new { modelId = sentiment, text = Sentence });
        string heavy = HeavyBody.Replace("MODEL", largest);
        Post(client, "/generate", heavy);   // load the model and JIT the path
        for (int i = 0; i < 200; i++) Post(client, "/predict", light);

        using var stop = new CancellationTokenSource();
        int completed = 0, refused = 0, timedOut = 0, other = 0;
        var generateMs = new List<double>();
        var heavyClients = Enumerable.Range(0, HeavyClients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                long t0 = Stopwatch.GetTimestamp();
                using var content = new StringContent(heavy, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("/generate", content);
                await response.Content.ReadAsByteArrayAsync();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        Interlocked.Increment(ref completed);
                        lock (generateMs) generateMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                        break;
                    case HttpStatusCode.ServiceUnavailable:
                        Interlocked.Increment(ref refused);
                        // A polite client waits as told before it tries again.
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                        break;
                    case HttpStatusCode.GatewayTimeout: Interlocked.Increment(ref timedOut); break;
                    default: Interlocked.Increment(ref other); break;
                }
            }
        })).ToArray();

        Thread.Sleep(1000);   // let the four generations get going
        var latencies = new List<double>();
        int errors = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (!Post(client, "/predict", light)) errors++;
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        Task.WaitAll(heavyClients);
        var sorted = latencies.Order().ToArray();
        generateMs.Sort();
        return new Figures(new HttpFigures("", Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length / elapsed, sorted.Length, errors),
            completed, refused, timedOut, other, generateMs.Count == 0 ? double.NaN : generateMs[generateMs.Count / 2]);
    }

    private static bool Post(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = client.PostAsync(path, content).GetAwaiter().GetResult();
        response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        return response.IsSuccessStatusCode;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
