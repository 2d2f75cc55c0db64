using System.Diagnostics;
using System.Text.Json;

namespace RnnService.Benchmarks;

/// <summary>PyTorch's figure for one workload: median seconds per call at the better thread count.</summary>
public sealed record TorchResult(double Seconds, int Threads, IReadOnlyDictionary<string, double> ByThreads);

/// <summary>
/// Runs torch_bench.py (copied beside the benchmark) with Debian's /usr/bin/python3 as one long-lived
/// process in --serve mode: each request (the workload record and the measurement settings) goes in as
/// one JSON line, the result comes back as one JSON line. The process keeps each workload's model, so
/// rounds that alternate with the engine do not pay for importing torch or rebuilding the model.
/// </summary>
public sealed class TorchRunner(string python) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private static string Script => Path.Combine(AppContext.BaseDirectory, "torch_bench.py");
    private Process? _server;

    /// <summary>The torch version, or null when the interpreter cannot import torch.</summary>
    public string? Probe()
    {
        try
        {
            var (code, stdout, _) = Execute(["-c", "import torch; print(torch.__version__)"], TimeSpan.FromSeconds(60));
            return code == 0 ? stdout.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;   // no such interpreter
        }
    }

    public TorchResult Run(Workload workload, MeasureSettings settings)
    {
        var server = Server();
        server.StandardInput.WriteLine(JsonSerializer.Serialize(new { workload, settings }, Json));
        server.StandardInput.Flush();
        string line = ReadLine(server) ?? throw new InvalidOperationException($"torch_bench.py ended on {workload.Name}.");
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
            throw new InvalidOperationException($"torch_bench.py failed on {workload.Name}: {error.GetString()}");
        var byThreads = root.GetProperty("seconds_by_threads").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetDouble());
        return new TorchResult(root.GetProperty("seconds").GetDouble(), root.GetProperty("threads").GetInt32(), byThreads);
    }

    private Process Server()
    {
        if (_server is { HasExited: false }) return _server;
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("--serve");
        _server = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {python}.");
        string ready = ReadLine(_server) ?? throw new InvalidOperationException("torch_bench.py --serve did not start.");
        if (!ready.Contains("ready", StringComparison.Ordinal))
            throw new InvalidOperationException($"torch_bench.py --serve said {ready}.");
        return _server;
    }

    private static string? ReadLine(Process server)
    {
        var read = server.StandardOutput.ReadLineAsync();
        if (!read.Wait(RequestTimeout))
        {
            server.Kill(entireProcessTree: true);
            throw new TimeoutException($"torch_bench.py did not answer within {RequestTimeout}.");
        }
        return read.Result;
    }

    public void Dispose()
    {
        if (_server is null) return;
        if (!_server.HasExited)
        {
            _server.StandardInput.Close();   // the script ends at end of input
            if (!_server.WaitForExit(10_000)) _server.Kill(entireProcessTree: true);
        }
        _server.Dispose();
        _server = null;
    }

    private (int Code, string Stdout, string Stderr) Execute(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {python}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{python} did not finish within {timeout}.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
