// The engine side by side with PyTorch on the workloads of issue 4 (see docs/benchmarks.md).
//   dotnet run -c Release --project tests/tools/RnnService.Benchmarks -- [W1 W2 W3 W4 W5a W5b gemm http http-limits http-batching http-image onnx service cold threads cores replicas sweep] [--quick] [--no-torch] [--python PATH] [--rounds N]
// onnx: the engine against ONNX Runtime running the engine's ONNX export (W5a, W4 forward, W5b; OnnxRuntimeBenchmark.cs).
// sweep: the auto sweep's ASHA against random search over the same trials, engine only (SweepBenchmark.cs);
// --sweep-max-epochs N: the sweeps' maxEpochs instead of the auto sweep's; --sweep-seed N: their seed; --held-out: imdb-sentences
// only, swept on its training four fifths, the best models' accuracy on the fixed held-out fifth beside the defaults'.
// No workload named: all of them but service, threads, cores and sweep (engine thread counts 1-4; cores: CrossCoreBenchmark.cs). --quick: a smoke run (one warm-up call, three short timed runs, two rounds).
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
bool runHttpImage = false;         // "http-image": the http lines for the service as built, ReadyToRun, and ReadyToRun with TieredCompilation=0
bool runService = false;
bool runThreads = false;
bool runCores = false;      // "cores": 1 MB written or read after the other thread touched it (CrossCoreBenchmark)
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
        Console.WriteLine("usage: RnnService.Benchmarks [W1 W2 W3 W4 W5a W5b gemm http http-limits http-batching http-image onnx service cold threads cores replicas sweep] [--quick] [--no-torch] [--python PATH] [--warmup SECONDS] [--rounds N] [--sweep-max-epochs N] [--sweep-seed N] [--held-out]");
        return 0;
    }
    else if (a.Equals("http", StringComparison.OrdinalIgnoreCase)) runHttp = true;
    else if (a.Equals("http-limits", StringComparison.OrdinalIgnoreCase)) runInferenceLimits = true;
    else if (a.Equals("http-batching", StringComparison.OrdinalIgnoreCase)) runBatching = true;
    else if (a.Equals("http-image", StringComparison.OrdinalIgnoreCase)) runHttpImage = true;
    else if (a.Equals("onnx", StringComparison.OrdinalIgnoreCase)) runOnnx = true;
    else if (a.Equals("service", StringComparison.OrdinalIgnoreCase)) runService = true;
    else if (a.Equals("threads", StringComparison.OrdinalIgnoreCase)) runThreads = true;
    else if (a.Equals("cores", StringComparison.OrdinalIgnoreCase)) runCores = true;
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
if (selected.Count == 0 && !runHttp && !runOnnx && !runInferenceLimits && !runBatching && !runHttpImage && !runService && !runThreads && !runCores && !runReplicas && !runCold && !runSweep)
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
if (runHttpImage)
    foreach (var line in HttpBenchmark.RunImageSettings(settings)) Console.WriteLine(line);
if (runHttp || runInferenceLimits)
{
    var limits = InferenceLoadBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns);
    foreach (var f in limits) Console.WriteLine(HttpBenchmark.Line(f));
    httpFigures.AddRange(limits);
}
if (runHttp || runBatching) BatchingBenchmark.Run(quick: settings.MinRuns == MeasureSettings.Quick.MinRuns);

var threadRows = runThreads ? ThreadsBenchmark.Run(settings) : [];
var coreRows = runCores ? CrossCoreBenchmark.Run(settings) : [];

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
if (coreRows.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(CrossCoreBenchmark.TableHeader);
    foreach (var row in coreRows) Console.WriteLine(row);
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
