// The "cold" workload: how much slower a fresh service's first job is than the same job once the process is
// warm, under each JIT setting worth considering (issue 26, item 4), with and without the worker's warm-up at start.
// Every round starts one fresh service per setting (settings in rotating order, so load from other processes hits all
// of them), waits for /health (which waits for the warm-up), runs seed-003's Hamlet job as the process's first job,
// then twice more; the warm figure is the third run.
namespace RnnService.Benchmarks;

internal static class ColdStartBenchmark
{
    public const string TableHeader =
        "| JIT setting of the service | start (to /health) | first job (cold) | third job (warm) | cold / warm (median, range) |\n" +
        "|---|---:|---:|---:|---:|";

    private static readonly ServiceSetting[] Settings =
    [
        ServiceSetting.AsBuilt,
        // The worker's warm-up at start (Worker:WarmUp, on by default) off: what a first job costs without it.
        new("as built, Worker:WarmUp=false", new() { ["Worker__WarmUp"] = "false" }),
        new("DOTNET_TieredPGO=0", new() { ["DOTNET_TieredPGO"] = "0" }),
        new("DOTNET_TC_QuickJitForLoops=0 (loops fully optimised at once, no OSR)", new() { ["DOTNET_TC_QuickJitForLoops"] = "0" }),
        new("DOTNET_TC_OnStackReplacement=0", new() { ["DOTNET_TC_OnStackReplacement"] = "0" }),
        // Call counting (the way to tier 1) starts only after 100 ms without new tier-0 methods; a starting service keeps
        // jitting new ones, so the engine's hot methods can stay in tier 0 for a good part of a short first job.
        new("DOTNET_TC_CallCountingDelayMs=0", new() { ["DOTNET_TC_CallCountingDelayMs"] = "0" }),
        new("DOTNET_TieredPGO=0 and DOTNET_TC_CallCountingDelayMs=0", new() { ["DOTNET_TieredPGO"] = "0", ["DOTNET_TC_CallCountingDelayMs"] = "0" }),
        new("DOTNET_TieredCompilation=0", new() { ["DOTNET_TieredCompilation"] = "0" }),
        ServiceSetting.ReadyToRunImage,
        new("ReadyToRun publish, Worker:WarmUp=false", new() { ["Worker__WarmUp"] = "false" }, ReadyToRun: true),
        ServiceSetting.ReadyToRunWithoutTiering,
    ];

    public static IReadOnlyList<string> Run(MeasureSettings settings)
    {
        int rounds = Math.Clamp(settings.Rounds, 1, 9);
        var job = ServiceBenchmark.Jobs()[0];
        var cold = Settings.ToDictionary(s => s.Name, _ => new List<double>());
        var warm = Settings.ToDictionary(s => s.Name, _ => new List<double>());
        var start = Settings.ToDictionary(s => s.Name, _ => new List<double>());
        string folder = Directory.CreateTempSubdirectory("rnnservice-cold-bench").FullName;
        try
        {
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < Settings.Length; i++)
                {
                    var setting = Settings[(i + round) % Settings.Length];
                    ServiceHost.Build(folder, setting.ReadyToRun);
                    using var host = ServiceHost.Start("cold", setting.Environment, folder, setting.ReadyToRun);
                    start[setting.Name].Add(host.SecondsToHealthy);
                    cold[setting.Name].Add(ServiceBenchmark.ServiceSeconds(host, job));
                    ServiceBenchmark.ServiceSeconds(host, job);
                    warm[setting.Name].Add(ServiceBenchmark.ServiceSeconds(host, job));
                }
                Console.WriteLine($"cold round {round + 1}/{rounds} done, load average {Machine.LoadAverage()}");
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        return Settings.Select(s =>
        {
            var ratios = cold[s.Name].Zip(warm[s.Name], (c, w) => c / w).ToList();
            return $"| {s.Name} | {Measure.Median(start[s.Name]):F2} s | {Measure.Median(cold[s.Name]):F3} s | {Measure.Median(warm[s.Name]):F3} s | " +
                $"{Measure.Median(ratios):F2}x ({ratios.Min():F2}-{ratios.Max():F2}x) |";
        }).ToList();
    }
}
