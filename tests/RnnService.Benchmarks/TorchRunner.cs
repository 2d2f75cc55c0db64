using System.Diagnostics;
using System.Text.Json;

namespace RnnService.Benchmarks;

/// <summary>PyTorch's figure for one workload: median seconds per call at the better thread count.</summary>
public sealed record TorchResult(double Seconds, int Threads, IReadOnlyDictionary<string, double> ByThreads);

/// <summary>
/// Runs torch_bench.py (copied beside the benchmark) with Debian's /usr/bin/python3, one process per
/// workload: the workload record and the measurement settings go in as a JSON file, the result comes
/// back as one JSON line on stdout.
/// </summary>
public sealed class TorchRunner(string python)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static string Script => Path.Combine(AppContext.BaseDirectory, "torch_bench.py");

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
        string specFile = Path.Combine(Path.GetTempPath(), $"rnn-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(specFile, JsonSerializer.Serialize(new { workload, settings }, Json));
            var (code, stdout, stderr) = Execute([Script, "--spec-file", specFile], TimeSpan.FromMinutes(5));
            if (code != 0)
                throw new InvalidOperationException($"torch_bench.py failed ({code}) on {workload.Name}: {stderr.Trim()}");
            string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var byThreads = root.GetProperty("seconds_by_threads").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetDouble());
            return new TorchResult(root.GetProperty("seconds").GetDouble(), root.GetProperty("threads").GetInt32(), byThreads);
        }
        finally
        {
            File.Delete(specFile);
        }
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
