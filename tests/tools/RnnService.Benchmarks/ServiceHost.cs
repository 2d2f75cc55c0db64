// The service as a user runs it: built in Release, started as its own process on a loopback port with a
// fresh database, and stopped (with its folder removed) on Dispose. Used by the http and service workloads.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RnnService.Benchmarks;

/// <summary>How a benchmark starts the service: its environment, and whether it is published ReadyToRun.</summary>
internal sealed record ServiceSetting(string Name, Dictionary<string, string> Environment, bool ReadyToRun = false)
{
    public static readonly ServiceSetting AsBuilt = new("as built (runtimeconfig of the project)", []);
    /// <summary>As the Dockerfile publishes the image.</summary>
    public static readonly ServiceSetting ReadyToRunImage = new("ReadyToRun publish", [], ReadyToRun: true);
    /// <summary>Precompiled code where the image has it, and every other method compiled once, fully optimised, on its
    /// first call: no tier-0 code, no instrumented code and no tier-1 recompiles during a job.</summary>
    public static readonly ServiceSetting ReadyToRunWithoutTiering =
        new("ReadyToRun publish and DOTNET_TieredCompilation=0", new() { ["DOTNET_TieredCompilation"] = "0" }, ReadyToRun: true);
}

internal sealed class ServiceHost : IDisposable
{
    private readonly Process _process;
    private readonly string _work;
    private readonly bool _ownsWork;

    public HttpClient Client { get; }
    /// <summary>From starting the process to its first healthy /health answer (migrations and the worker's warm-up included).</summary>
    public double SecondsToHealthy { get; private set; }

    private ServiceHost(Process process, string work, bool ownsWork, HttpClient client)
    {
        _process = process;
        _work = work;
        _ownsWork = ownsWork;
        Client = client;
    }

    /// <summary>Builds and starts the service with extra environment settings, and waits until /health answers.
    /// With <paramref name="sharedFolder"/>, a second start reuses the build and the database of the first (and leaves the folder).
    /// readyToRun: published with PublishReadyToRun (as the Dockerfile publishes the image) instead of built.</summary>
    public static ServiceHost Start(string label, IReadOnlyDictionary<string, string> environment, string? sharedFolder = null, bool readyToRun = false)
    {
        string work = sharedFolder ?? Directory.CreateTempSubdirectory($"rnnservice-{label}-bench").FullName;
        string output = Build(work, readyToRun, label);

        int port = FreePort();
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(output, "RnnService.Api.dll")}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__RnnService"] = $"Data Source={Path.Combine(work, "bench.db")}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var started = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30),
        };
        var host = new ServiceHost(process, work, sharedFolder is null, client);
        try
        {
            host.WaitHealthy();
            host.SecondsToHealthy = started.Elapsed.TotalSeconds;
            host.WarmClient();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Builds the service into <paramref name="work"/> (published ReadyToRun when asked) unless it is already
    /// there; returns the folder of RnnService.Api.dll.</summary>
    public static string Build(string work, bool readyToRun, string label = "service")
    {
        string output = Path.Combine(work, readyToRun ? "api-r2r" : "api");
        if (!File.Exists(Path.Combine(output, "RnnService.Api.dll")))
        {
            Console.WriteLine($"{label}: {(readyToRun ? "publishing (ReadyToRun)" : "building")} the service (Release)...");
            string root = RepositoryRoot();
            string project = Path.Combine(root, "src", "RnnService.Api");
            RunToEnd("dotnet", readyToRun
                ? $"publish \"{project}\" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o \"{output}\" -nologo -v q"
                : $"build \"{project}\" -c Release -o \"{output}\" -nologo -v q", root);
        }
        return output;
    }

    public string PostTrain(string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = Client.PostAsync("/train", content).GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /train answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        return response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("id").GetString()!;
    }

    /// <summary>Polls GET /jobs/{id} until the job has the status (or fails on the way); returns the job.</summary>
    public JsonElement WaitForStatus(string jobId, string status, TimeSpan? limit = null)
    {
        var until = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(5));
        while (DateTime.UtcNow < until)
        {
            var job = Client.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}").GetAwaiter().GetResult();
            string current = job.GetProperty("status").GetString()!;
            if (current == status) return job;
            if (current is "failed" or "cancelled" || (current == "succeeded" && status != "succeeded"))
                throw new InvalidOperationException($"Job {jobId} is {current}, waiting for {status}: {job}");
            Thread.Sleep(50);
        }
        throw new TimeoutException($"Job {jobId} did not reach {status}.");
    }

    private void WaitHealthy()
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The service exited with code {_process.ExitCode}.");
            try
            {
                if (Client.GetAsync("/health").GetAwaiter().GetResult().IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        throw new TimeoutException("The service did not become healthy within 60 s.");
    }

    /// <summary>Runs this process's side of a job poll (GET and JSON parse) until the JIT has compiled it, on /health, so
    /// that a fresh benchmark process's own compiling does not share the two cores with the service's first job.</summary>
    private void WarmClient()
    {
        for (int i = 0; i < 60; i++)
        {
            Client.GetFromJsonAsync<JsonElement>("/health").GetAwaiter().GetResult().GetProperty("status").GetString();
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
        _process.Dispose();
        if (_ownsWork)
            try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private static void RunToEnd(string file, string arguments, string directory)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed with exit code {p.ExitCode}.");
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnService.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from inside the repository (RnnService.sln not found).");
    }
}
