// The engine side by side with PyTorch on the workloads of issue 4 (see docs/benchmarks.md).
//   dotnet run -c Release --project tests/RnnService.Benchmarks -- [W1 W2 W3 W4 W5a W5b gemm http http-limits onnx] [--quick] [--no-torch] [--python PATH]
// onnx: the engine against ONNX Runtime running the engine's ONNX export (W5a, W4 forward, W5b; OnnxRuntimeBenchmark.cs).
// No workload named: all of them. --quick: a smoke run (one warm-up call, three short timed runs).
// --warmup SECONDS: minimum warm-up per measurement (default 3). --no-torch: engine only.
using System.Globalization;
using System.Runtime.Intrinsics;
using RnnService.Benchmarks;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var selected = new List<string>();
var settings = MeasureSettings.Full;
bool useTorch = true;
bool runHttp = false;
bool runOnnx = false;
bool runInferenceLimits = false;   // "http-limits": only the issue-14 lines (InferenceLoadBenchmark)
double? warmup = null;
string python = "/usr/bin/python3";   // Debian's interpreter with python3-torch, not a pyenv shim
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    if (a == "--quick") settings = MeasureSettings.Quick;
    else if (a == "--no-torch") useTorch = false;
    else if (a == "--python" && i + 1 < args.Length) python = args[++i];
    else if (a == "--warmup" && i + 1 < args.Length) warmup = double.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (a is "-h" or "--help")
    {
        Console.WriteLine("usage: RnnService.Benchmarks [W1 W2 W3 W4 W5a W5b gemm http http-limits onnx] [--quick] [--no-torch] [--python PATH] [--warmup SECONDS]");
        return 0;
    }
    else if (a.Equals("http", StringComparison.OrdinalIgnoreCase)) runHttp = true;
    else if (a.Equals("http-limits", StringComparison.OrdinalIgnoreCase)) runInferenceLimits = true;
    else if (a.Equals("onnx", StringComparison.OrdinalIgnoreCase)) runOnnx = true;
    else if (Workloads.Groups.FirstOrDefault(g => g.Equals(a, StringComparison.OrdinalIgnoreCase)) is string g)
        selected.Add(g);
    else
    {
        Console.Error.WriteLine($"Unknown workload or option \"{a}\"; workloads: {string.Join(' ', Workloads.Groups)}.");
        return 2;
    }
}
if (warmup is double seconds) settings = settings with { WarmupSeconds = seconds };
if (selected.Count == 0 && !runHttp && !runOnnx && !runInferenceLimits)
{
    selected.AddRange(Workloads.Groups);
    runHttp = true;
    runOnnx = true;
}

Console.WriteLine($"RnnService engine benchmarks  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"machine: {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs, load average {Machine.LoadAverage()}");
Console.WriteLine($".NET {Environment.Version}, Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, " +
    $"{(settings.MinRuns == MeasureSettings.Quick.MinRuns ? "QUICK smoke run (figures not meaningful)" : "full run")}");

TorchRunner? torch = null;
if (useTorch)
{
    var probe = new TorchRunner(python);
    string? version = probe.Probe();
    if (version is null) Console.WriteLine("PyTorch not available: engine figures only");
    else
    {
        torch = probe;
        Console.WriteLine($"PyTorch {version} ({python}), best of 1 and 2 threads");
    }
}
else Console.WriteLine("PyTorch skipped (--no-torch): engine figures only");
Console.WriteLine();

var results = new List<Result>();
foreach (string group in selected)
{
    foreach (var w in Workloads.Create(group))
    {
        var op = EngineRunners.Prepare(w);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double engine = Measure.Run(op, settings);
        TorchResult? baseline = null;
        string? error = null;
        if (torch != null && w.HasTorchBaseline)
        {
            try { baseline = torch.Run(w, settings); }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.Text.Json.JsonException)
            {
                error = e.Message;
            }
        }
        var result = new Result(w, engine, baseline);
        results.Add(result);
        Console.WriteLine(result.Line());
        if (error != null) Console.WriteLine($"  (PyTorch failed: {error})");
    }
}

if (runOnnx)
    foreach (var line in OnnxRuntimeBenchmark.Run(settings)) Console.WriteLine(line);

var httpFigures = new List<HttpFigures>();
if (runHttp)
{
    httpFigures.AddRange(HttpBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns));
    foreach (var f in httpFigures) Console.WriteLine(HttpBenchmark.Line(f));
}
if (runHttp || runInferenceLimits)
{
    var limits = InferenceLoadBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns);
    foreach (var f in limits) Console.WriteLine(HttpBenchmark.Line(f));
    httpFigures.AddRange(limits);
}

Console.WriteLine();
Console.WriteLine($"load average after the run: {Machine.LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| workload | engine | PyTorch | threads | speed-up | target | met |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
foreach (var r in results) Console.WriteLine(r.Row());
if (httpFigures.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("| http | p50 | p99 | requests/s | target |");
    Console.WriteLine("|---|---:|---:|---:|---|");
    foreach (var f in httpFigures)
    {
        string target = f.Name.Contains("max-size generates") ? "" : f.Name.Contains("while training") ? (f.Name.Contains("latency") ? "p99 < 10 ms" : "") :
            f.Name.Contains("latency") ? "p50 < 1 ms" : ">= 5000 req/s";
        Console.WriteLine($"| {f.Name} | {f.P50Ms:F2} ms | {f.P99Ms:F2} ms | {f.RequestsPerSecond:F0} | {target} |");
    }
}
return 0;

namespace RnnService.Benchmarks
{
    /// <summary>One workload's figures: engine and PyTorch seconds per call.</summary>
    internal sealed record Result(Workload Workload, double EngineSeconds, TorchResult? Torch)
    {
        private string Unit => Workload.Unit;

        /// <summary>The figure in the workload's unit (time per call, or GFLOP/s).</summary>
        private double Value(double seconds) => Unit switch
        {
            "GFLOP/s" => Workload.Flops / seconds / 1e9,
            "µs/call" => seconds * 1e6,
            _ => seconds * 1e3,
        };

        /// <summary>How many times faster the engine is (PyTorch time / engine time).</summary>
        public double? Speedup => Torch is null ? null : Torch.Seconds / EngineSeconds;

        public string Verdict => Workload.Target <= 0 || Speedup is null ? "" : Speedup >= Workload.Target ? "met" : "MISSED";

        private string TargetText => Workload.Target <= 0 ? "" : $">= {Workload.Target:0.##}x";

        public string Line()
        {
            string line = $"{Workload.Name}  engine {Format(Value(EngineSeconds))} {Unit}";
            if (Torch != null) line += $"  torch {Format(Value(Torch.Seconds))} {Unit}  speedup {Speedup:F2}x";
            return line;
        }

        public string Row() =>
            $"| {Workload.Name} | {Format(Value(EngineSeconds))} {Unit} | " +
            (Torch is null ? "n/a | | " : $"{Format(Value(Torch.Seconds))} {Unit} | {Torch.Threads} | ") +
            $"{(Speedup is double s ? $"{s:F2}x" : "")} | {TargetText} | {Verdict} |";

        internal static string Format(double v) => v switch
        {
            >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
            >= 10 => v.ToString("F1", CultureInfo.InvariantCulture),
            >= 1 => v.ToString("F2", CultureInfo.InvariantCulture),
            _ => v.ToString("F3", CultureInfo.InvariantCulture),
        };
    }

    internal static class Machine
    {
        public static string CpuModel()
        {
            try
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
            }
            catch (IOException) { return "unknown CPU"; }
            catch (UnauthorizedAccessException) { return "unknown CPU"; }
        }

        public static string LoadAverage()
        {
            try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
            catch (IOException) { return "unknown"; }
            catch (UnauthorizedAccessException) { return "unknown"; }
        }
    }
}
