// The "http" workload: the service on loopback, POST /predict under load, alone and while a
// training job runs. A separate process (the API built in Release) so the load client and the
// service are measured as a user would run them; both share this machine's cores.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RnnService.Benchmarks;

internal sealed record HttpFigures(string Name, double P50Ms, double P99Ms, double RequestsPerSecond, int Requests, int Errors);

internal static class HttpBenchmark
{
    private const string Sentence = "i am very happy today";

    /// <summary>Builds and starts the service, trains a toy model, measures, stops everything it started.</summary>
    public static IReadOnlyList<HttpFigures> Run(bool quick)
    {
        string root = RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("rnnservice-http-bench").FullName;
        string output = Path.Combine(work, "api");
        Console.WriteLine("http: building the service (Release)...");
        RunToEnd("dotnet", $"build \"{Path.Combine(root, "src", "RnnService.Api")}\" -c Release -o \"{output}\" -nologo -v q", root);

        int port = FreePort();
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(output, "RnnService.Api.dll")}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__RnnService"] = $"Data Source={Path.Combine(work, "bench.db")}";
        // The default rate limit (per client address) would answer a load test with 429s.
        start.Environment["Inference__PermitLimit"] = "100000000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var service = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service.");
        service.OutputDataReceived += (_, _) => { };
        service.ErrorDataReceived += (_, _) => { };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30),
            };
            WaitHealthy(client, service);
            string modelId = TrainAndWait(client, """{"task":"sentiment","dataset":"toy-sentiment"}""");
            var body = JsonSerializer.Serialize(new { modelId, text = Sentence });
            var seconds = quick ? 1.0 : 5.0;
            var figures = new List<HttpFigures>();

            Load(client, body, connections: 1, seconds: quick ? 0.5 : 3); // warm-up: JIT, model cache
            figures.Add(Load(client, body, connections: 1, seconds) with { Name = "http predict latency, 1 connection" });
            figures.Add(Load(client, body, connections: 16, seconds) with { Name = "http predict throughput, 16 connections" });

            // A names job long enough to outlast the measurement.
            string job = PostTrain(client, """{"task":"charlm","dataset":"us-names","hyperparameters":{"hiddenSize":256,"embeddingSize":100,"batchSize":20,"epochs":200}}""");
            WaitForStatus(client, job, "running");
            figures.Add(Load(client, body, connections: 1, seconds) with { Name = "http predict latency while training" });
            figures.Add(Load(client, body, connections: 16, seconds) with { Name = "http predict throughput while training" });
            client.PostAsync($"/jobs/{job}/cancel", null).GetAwaiter().GetResult();
            return figures;
        }
        finally
        {
            if (!service.HasExited) { service.Kill(entireProcessTree: true); service.WaitForExit(10_000); }
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>`connections` clients post back to back for `seconds`; latency per request, requests/s overall.</summary>
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
                using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("/predict", content);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        })).ToArray();
        Task.WaitAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        var all = perWorker.SelectMany(l => l).Order().ToArray();
        return new HttpFigures("", Percentile(all, 0.50), Percentile(all, 0.99), all.Length / elapsed, all.Length, errors);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static string PostTrain(HttpClient client, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = client.PostAsync("/train", content).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("id").GetString()!;
    }

    internal static string TrainAndWait(HttpClient client, string json)
    {
        var job = WaitForStatus(client, PostTrain(client, json), "succeeded");
        return job.GetProperty("modelId").GetString()!;
    }

    private static JsonElement WaitForStatus(HttpClient client, string jobId, string status)
    {
        var until = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < until)
        {
            var job = client.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}").GetAwaiter().GetResult();
            string current = job.GetProperty("status").GetString()!;
            if (current == status) return job;
            if (current is "failed" or "cancelled" || (current == "succeeded" && status != "succeeded"))
                throw new InvalidOperationException($"Job {jobId} is {current}, waiting for {status}.");
            Thread.Sleep(100);
        }
        throw new TimeoutException($"Job {jobId} did not reach {status}.");
    }

    internal static void WaitHealthy(HttpClient client, Process service)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (service.HasExited) throw new InvalidOperationException($"The service exited with code {service.ExitCode}.");
            try
            {
                if (client.GetAsync("/health").GetAwaiter().GetResult().IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        throw new TimeoutException("The service did not become healthy within 60 s.");
    }

    internal static void RunToEnd(string file, string arguments, string directory)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed with exit code {p.ExitCode}.");
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnService.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from inside the repository (RnnService.sln not found).");
    }

    public static string Line(HttpFigures f) =>
        $"{f.Name}  p50 {f.P50Ms:F2} ms  p99 {f.P99Ms:F2} ms  {f.RequestsPerSecond:F0} req/s  ({f.Requests} requests, {f.Errors} errors)";
}
