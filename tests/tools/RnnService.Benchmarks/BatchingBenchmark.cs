// The "http" workload's batching table (issue 25): 1, 4 and 16 clients each generating 100 characters at a time from a
// names-sized char model and from one of hidden 512, and posting one-sentence /predict requests, with
// Inference:BatchWindow 0 (every request alone) and 1 ms (dynamic, continuous batching), in one run on one build. The
// settings take turns, round after round (3 quick, 5 full), and each row gives the medians of its rounds: on a shared
// machine one measurement of a few seconds says more about the neighbours than about batching.
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace RnnService.Benchmarks;

internal static class BatchingBenchmark
{
    private const int Characters = 100;

    public static void Run(bool quick)
    {
        string work = Directory.CreateTempSubdirectory("rnnservice-batching-bench").FullName;
        double seconds = quick ? 2 : 6;
        int rounds = quick ? 3 : 5;
        var figures = new Dictionary<(string Workload, string Setting, int Clients, string Unit), List<Figures>>();
        try
        {
            string? names = null, wide = null, sentiment = null;
            for (int round = 0; round < rounds; round++)
            foreach (var (setting, window) in new[] { ("off", "00:00:00"), ("on, 1 ms", "00:00:00.001") })
            {
                var environment = new Dictionary<string, string>
                {
                    ["Inference__PermitLimit"] = "100000000",           // the per-client rate limit is not under test
                    ["Inference__MaxConcurrentRequests"] = "64",        // nor the slots: 16 clients all run
                    ["Inference__BatchWindow"] = window,
                };
                using var service = ServiceHost.Start($"batching {setting}", environment, work);
                names ??= Train(service, """{"task":"charlm","dataset":"us-names"}""");
                wide ??= Train(service, """{"task":"charlm","dataset":"us-names","hyperparameters":{"hiddenSize":512,"embeddingSize":64,"epochs":1}}""");
                sentiment ??= Train(service, """{"task":"sentiment","dataset":"toy-sentiment"}""");
                void Measure(string workload, string path, string body, string unit)
                {
                    Load(service.Client, path, body, 1, 1);   // load the model, JIT the path
                    foreach (int clients in new[] { 1, 4, 16 })
                    {
                        var key = (workload, setting, clients, unit);
                        if (!figures.TryGetValue(key, out var list)) figures[key] = list = [];
                        list.Add(Load(service.Client, path, body, clients, seconds));
                    }
                }
                foreach (var (model, label) in new[] { (names, "names (default)"), (wide, "hidden 512") })
                    // minLength = maxLength: every request writes exactly 100 characters (a names model would end its lines early).
                    Measure($"generate 100 chars, {label}", "/generate",
                        JsonSerializer.Serialize(new { modelId = model, prompt = "a", maxLength = Characters, minLength = Characters }), "chars/s");
                Measure("predict one sentence", "/predict", JsonSerializer.Serialize(new { modelId = sentiment, text = "i am very happy today" }), "req/s");
            }
            var rows = figures.Select(f =>
            {
                double throughput = Measure.Median(f.Value.Select(r => r.Done * (f.Key.Unit == "chars/s" ? Characters : 1) / r.Seconds));
                string digits = f.Key.Unit == "req/s" ? "F2" : "F1";
                return $"| {f.Key.Workload} | {f.Key.Setting} | {f.Key.Clients} | {throughput:F0} {f.Key.Unit} | " +
                    $"{Measure.Median(f.Value.Select(r => r.P50)).ToString(digits)} | {Measure.Median(f.Value.Select(r => r.P99)).ToString(digits)} | {f.Value.Sum(r => r.Errors)} |";
            }).ToList();
            Console.WriteLine();
            Console.WriteLine("| workload | batching | clients | throughput | p50 ms | p99 ms | failed |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            foreach (var row in rows.OrderBy(r => r, StringComparer.Ordinal)) Console.WriteLine(row);
            Console.WriteLine($"(medians of {rounds} rounds of {seconds} s per row; failed: all rounds together)");
            GenerationCeiling.Run(seconds, rounds);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Train(ServiceHost service, string json) =>
        service.WaitForStatus(service.PostTrain(json), "succeeded", TimeSpan.FromMinutes(10)).GetProperty("modelId").GetString()!;

    private sealed record Figures(int Done, double Seconds, double P50, double P99, int Errors);

    /// <summary>`clients` post back to back for `seconds`; latencies of the successful requests.</summary>
    private static Figures Load(HttpClient client, string path, string body, int clients, double seconds)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var latencies = new List<double>[clients];
        int errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = [];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                long t0 = Stopwatch.GetTimestamp();
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(path, content);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode) mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                else Interlocked.Increment(ref errors);
            }
        })).ToArray();
        Task.WaitAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        var ok = latencies.SelectMany(l => l).Order().ToArray();
        return new Figures(ok.Length, elapsed, Percentile(ok, 0.50), Percentile(ok, 0.99), errors);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
