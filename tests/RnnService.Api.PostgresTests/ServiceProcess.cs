using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RnnService.Api.Tests;

/// <summary>One replica of the service as its own process (`dotnet RnnService.Api.dll`) on a free loopback port,
/// so a test can kill it with SIGKILL. Its output is kept for the failure message.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }
    public HttpClient Client { get; }
    /// <summary>Host/process id, as /health and a job's worker field say it.</summary>
    public string Name { get; private set; } = "";
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static ServiceProcess Start(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            // Its own empty folder, so nothing the service writes lands in the test's; removed by Dispose.
            WorkingDirectory = Directory.CreateTempSubdirectory("rnnservice-replica-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RnnService.Api.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__RnnService"] = connectionString,
            ["Worker__PollInterval"] = "00:00:00.200",
            ["Worker__LeaseDuration"] = "00:00:05",
            ["Worker__HeartbeatInterval"] = "00:00:01",
            ["Worker__CheckpointInterval"] = "00:00:00",
            // Worker:WarmUp stays on (the default): these replicas start as deployed ones do.
            ["Inference__PermitLimit"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__RnnService"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key.Replace(":", "__")] = value;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service.");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits until /health answers 200 (bounded), and learns the replica's name.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"The service exited with {_process.ExitCode}:\n{Output}");
            try
            {
                var response = await Client.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Name = (await response.JsonAsync()).GetProperty("replica").GetString()!;
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"The service at {Address} was not healthy after {timeout}:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown, no release of its jobs; only their leases expire.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        var folder = _process.StartInfo.WorkingDirectory;
        _process.Dispose();
        try { Directory.Delete(folder, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
