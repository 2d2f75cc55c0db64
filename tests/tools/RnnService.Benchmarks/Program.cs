// The engine side by side with PyTorch on the workloads of issue 4 (see docs/benchmarks.md).
//   dotnet run -c Release --project tests/tools/RnnService.Benchmarks -- [W1 W2 W3 W4 W5a W5b gemm http http-limits http-batching onnx service cold threads replicas sweep] [--quick] [--no-torch] [--python PATH] [--rounds N]
// onnx: the engine against ONNX Runtime running the engine's ONNX export (W5a, W4 forward, W5b; OnnxRuntimeBenchmark.cs).
// sweep: the auto sweep's ASHA against random search over the same trials, engine only (SweepBenchmark.cs);
// --sweep-max-epochs N: the sweeps' maxEpochs instead of the auto sweep's; --sweep-seed N: their seed; --held-out: imdb-sentences
// only, swept on its training four fifths, the best models' accuracy on the fixed held-out fifth beside the defaults'.
// No workload named: all of them but service, threads and sweep (engine thread counts 1-4). --quick: a smoke run (one warm-up call, three short timed runs, two rounds).
// --warmup SECONDS: minimum warm-up of the first round (default 3). --no-torch: engine only.
// --rounds N: engine and PyTorch measured alternately N times per workload (default 5); the speed-up
// printed is the median of the per-round ratios, with their range.
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
bool runBatching = false;          // "http-batching": only the issue-25 batching table (BatchingBenchmark)
bool runService = false;
bool runThreads = false;
bool runReplicas = false;   // "replicas": 50 tiny jobs on one PostgreSQL, 1 vs 3 replicas (ReplicaBenchmark)
bool runCold = false;       // "cold": a fresh service's first job against a warm one, per JIT setting (ColdStartBenchmark)
bool runSweep = false;      // "sweep": ASHA against random search on imdb-sentences and us-names (SweepBenchmark)
double? warmup = null;
int? rounds = null;
int? sweepMaxEpochs = null;
int? sweepSeed = null;
bool sweepHeldOut = false;  // "--held-out": imdb-sentences only, swept on its training four fifths, scored on the held-out fifth
string python = "/usr/bin/python3";   // Debian's interpreter with python3-torch, not a pyenv shim
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    if (a == "--quick") settings = MeasureSettings.Quick;
    else if (a == "--no-torch") useTorch = false;
    else if (a == "--python" && i + 1 < args.Length) python = args[++i];
    else if (a == "--warmup" && i + 1 < args.Length) warmup = double.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (a == "--sweep-max-epochs" && i + 1 < args.Length) sweepMaxEpochs = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (a == "--sweep-seed" && i + 1 < args.Length) sweepSeed = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (a == "--held-out") sweepHeldOut = true;
    else if (a == "--rounds" && i + 1 < args.Length) rounds = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
    else if (a is "-h" or "--help")
    {
        Console.WriteLine("usage: RnnService.Benchmarks [W1 W2 W3 W4 W5a W5b gemm http http-limits http-batching onnx service cold threads replicas sweep] [--quick] [--no-torch] [--python PATH] [--warmup SECONDS] [--rounds N] [--sweep-max-epochs N] [--sweep-seed N] [--held-out]");
        return 0;
    }
    else if (a.Equals("http", StringComparison.OrdinalIgnoreCase)) runHttp = true;
    else if (a.Equals("http-limits", StringComparison.OrdinalIgnoreCase)) runInferenceLimits = true;
    else if (a.Equals("http-batching", StringComparison.OrdinalIgnoreCase)) runBatching = true;
    else if (a.Equals("onnx", StringComparison.OrdinalIgnoreCase)) runOnnx = true;
    else if (a.Equals("service", StringComparison.OrdinalIgnoreCase)) runService = true;
    else if (a.Equals("threads", StringComparison.OrdinalIgnoreCase)) runThreads = true;
    else if (a.Equals("replicas", StringComparison.OrdinalIgnoreCase)) runReplicas = true;
    else if (a.Equals("cold", StringComparison.OrdinalIgnoreCase)) runCold = true;
    else if (a.Equals("sweep", StringComparison.OrdinalIgnoreCase)) runSweep = true;
    else if (Workloads.Groups.FirstOrDefault(g => g.Equals(a, StringComparison.OrdinalIgnoreCase)) is string g)
        selected.Add(g);
    else
    {
        Console.Error.WriteLine($"Unknown workload or option \"{a}\"; workloads: {string.Join(' ', Workloads.Groups)}.");
        return 2;
    }
}
if (warmup is double seconds) settings = settings with { WarmupSeconds = seconds };
if (rounds is int n) settings = settings with { Rounds = n };
if (selected.Count == 0 && !runHttp && !runOnnx && !runInferenceLimits && !runBatching && !runService && !runThreads && !runReplicas && !runCold && !runSweep)
{
    selected.AddRange(Workloads.Groups);
    runHttp = true;
    runOnnx = true;
}

Console.WriteLine($"RnnService engine benchmarks  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"machine: {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs, load average {Machine.LoadAverage()}");
Console.WriteLine($".NET {Environment.Version}, Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, " +
    $"{(settings.MinRuns == MeasureSettings.Quick.MinRuns ? "QUICK smoke run (figures not meaningful)" : "full run")}, " +
    $"{settings.Rounds} alternating rounds per workload, engine threads {RnnService.Engine.Kernels.EngineThreads.Count}");
Console.WriteLine($"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}, " +
    $"OPENBLAS_L2_SIZE={Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)"} (the PyTorch side inherits them)");

var peak = Peak.Measure(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns);
Console.WriteLine(peak);

using var probe = new TorchRunner(python);
TorchRunner? torch = null;
if (useTorch)
{
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
        var engineRounds = new List<double>();
        var torchRounds = new List<TorchResult>();
        string? error = null;
        for (int round = 0; round < settings.Rounds; round++)
        {
            var s = round == 0 ? settings : settings.ForLaterRounds();
            bool torchFirst = round % 2 == 1;   // E T, T E, E T, ...: neither side always runs right after the other
            if (torchFirst) error ??= TryTorch(w, s);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            engineRounds.Add(Measure.Run(op, s));
            if (!torchFirst) error ??= TryTorch(w, s);
        }
        var result = new Result(w, engineRounds, error is null ? torchRounds : [], peak);
        results.Add(result);
        Console.WriteLine(result.Line());
        if (error != null) Console.WriteLine($"  (PyTorch failed: {error})");

        string? TryTorch(Workload workload, MeasureSettings s)
        {
            if (torch is null || !workload.HasTorchBaseline) return null;
            try { torchRounds.Add(torch.Run(workload, s)); return null; }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.Text.Json.JsonException)
            {
                return e.Message;
            }
        }
    }
}

if (runOnnx)
    foreach (var line in OnnxRuntimeBenchmark.Run(settings, peak)) Console.WriteLine(line);

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
if (runHttp || runBatching) BatchingBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns);

var threadRows = runThreads ? ThreadsBenchmark.Run(settings) : [];

var serviceFigures = new List<ServiceFigures>();
var replicaLines = runReplicas ? ReplicaBenchmark.Run() : [];
var coldRows = runCold ? ColdStartBenchmark.Run(settings) : [];
var sweepFigures = runSweep ? SweepBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns, sweepMaxEpochs, sweepHeldOut, sweepSeed) : [];
if (runService)
{
    serviceFigures.AddRange(ServiceBenchmark.Run(torch, settings));
}

Console.WriteLine();
Console.WriteLine($"load average after the run: {Machine.LoadAverage()}");
Console.WriteLine();
if (results.Count > 0)
{
    Console.WriteLine("| workload | engine | PyTorch | threads | speed-up (median of rounds) | range | target | met | engine GFLOP/s (share of peak) | PyTorch GFLOP/s |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|");
    foreach (var r in results) Console.WriteLine(r.Row());
}
if (httpFigures.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("| http | p50 | p99 | requests/s | ok | failed | target |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
    foreach (var f in httpFigures)
    {
        string target = f.Name.Contains("max-size generates") ? "" : f.Name.Contains("while training") ? (f.Name.Contains("latency") ? "p99 < 10 ms" : "") :
            f.Name.Contains("latency") ? "p50 < 1 ms" : ">= 5000 req/s";
        Console.WriteLine($"| {f.Name} | {f.P50Ms:F2} ms | {f.P99Ms:F2} ms | {f.RequestsPerSecond:F0} | {f.Requests} | {f.Errors} | {target} |");
    }
}
if (threadRows.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(ThreadsBenchmark.TableHeader);
    foreach (var row in threadRows) Console.WriteLine(row);
}
if (serviceFigures.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(ServiceBenchmark.TableHeader);
    foreach (var f in serviceFigures) Console.WriteLine(ServiceBenchmark.Row(f));
}
if (coldRows.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(ColdStartBenchmark.TableHeader);
    foreach (var row in coldRows) Console.WriteLine(row);
}
if (sweepFigures.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(SweepBenchmark.TableHeader);
    foreach (var row in sweepFigures.SelectMany(SweepBenchmark.Rows)) Console.WriteLine(row);
    foreach (var f in sweepFigures) Console.WriteLine(SweepBenchmark.Line(f));
}
if (replicaLines.Count > 0)
{
    Console.WriteLine();
    foreach (var line in replicaLines) Console.WriteLine(line);
}
return 0;

namespace RnnService.Benchmarks
{
    /// <summary>
    /// One workload's figures over the alternating rounds: engine and PyTorch seconds per call (medians of
    /// the rounds), and the speed-up as the median of the per-round ratios with its range.
    /// </summary>
    internal sealed record Result(Workload Workload, IReadOnlyList<double> EngineRounds, IReadOnlyList<TorchResult> TorchRounds, Peak Peak)
    {
        private string Unit => Workload.Unit;
        public double EngineSeconds => Measure.Median(EngineRounds);
        public double? TorchSeconds => TorchRounds.Count == 0 ? null : Measure.Median(TorchRounds.Select(t => t.Seconds));

        /// <summary>PyTorch time / engine time of each round (rounds pair up in order).</summary>
        public IReadOnlyList<double> Ratios => TorchRounds.Zip(EngineRounds, (t, e) => t.Seconds / e).ToList();

        /// <summary>How many times faster the engine is: the median of the per-round ratios.</summary>
        public double? Speedup => Ratios.Count == 0 ? null : Measure.Median(Ratios);

        private string Spread => Ratios.Count == 0 ? "" : $"{Ratios.Min():F2}-{Ratios.Max():F2}x";

        /// <summary>PyTorch's better thread count in each round, e.g. "1" or "1/2" when the rounds differed.</summary>
        private string Threads => string.Join('/', TorchRounds.Select(t => t.Threads).Distinct().Order());

        /// <summary>The figure in the workload's unit (time per call, or GFLOP/s).</summary>
        private double Value(double seconds) => Unit switch
        {
            "GFLOP/s" => Workload.Flops / seconds / 1e9,
            "µs/call" => seconds * 1e6,
            _ => seconds * 1e3,
        };

        public string Verdict => Workload.Target <= 0 || Speedup is null ? "" : Speedup >= Workload.Target ? "met" : "MISSED";

        private string TargetText => Workload.Target <= 0 ? "" : $">= {Workload.Target:0.##}x";

        public string Line()
        {
            string line = $"{Workload.Name}  engine {Format(Value(EngineSeconds))} {Unit}";
            if (TorchSeconds is double t)
                line += $"  torch {Format(Value(t))} {Unit}  speedup {Speedup:F2}x (median of {Ratios.Count} rounds, range {Spread})";
            line += $"  [engine {Peak.Share(Workload.Flops / EngineSeconds / 1e9)}" +
                (TorchSeconds is double ts ? $"; torch {Workload.Flops / ts / 1e9:F0} GFLOP/s]" : "]");
            return line;
        }

        public string Row() =>
            $"| {Workload.Name} | {Format(Value(EngineSeconds))} {Unit} | " +
            (TorchSeconds is not double t ? "n/a | | " : $"{Format(Value(t))} {Unit} | {Threads} | ") +
            $"{(Speedup is double s ? $"{s:F2}x" : "")} | {Spread} | {TargetText} | {Verdict} | " +
            $"{Peak.Share(Workload.Flops / EngineSeconds / 1e9)} | {(TorchSeconds is double ts ? $"{Workload.Flops / ts / 1e9:F0}" : "")} |";

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
