// The "threads" workload: the engine alone at EngineThreads.Count = 1, 2, 3, 4 on the workloads whose big
// GEMMs go to the pool (gemm 1024^3, W3 and W4 steps), to see where more threads stop paying. Thread counts
// above the machine's cores are oversubscribed and show what a too-high Engine:Threads costs.
using RnnService.Engine.Kernels;

namespace RnnService.Benchmarks;

internal static class ThreadsBenchmark
{
    public const string TableHeader = "| workload | 1 thread | 2 threads | 3 threads | 4 threads |\n|---|---:|---:|---:|---:|";

    public static IReadOnlyList<string> Run(MeasureSettings settings)
    {
        int saved = EngineThreads.Count;
        var rows = new List<string>();
        try
        {
            var workloads = Workloads.Create("gemm").Take(1).Concat(Workloads.Create("W3")).Concat(Workloads.Create("W4"));
            foreach (var w in workloads)
            {
                var op = EngineRunners.Prepare(w);
                var byThreads = new double[4];
                // Rounds over thread counts 1..4 (alternating direction), median per count, like the main benchmark.
                var samples = Enumerable.Range(0, 4).Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < settings.Rounds; round++)
                {
                    var s = round == 0 ? settings : settings.ForLaterRounds();
                    var order = round % 2 == 0 ? new[] { 1, 2, 3, 4 } : [4, 3, 2, 1];
                    foreach (int t in order)
                    {
                        EngineThreads.Count = t;
                        samples[t - 1].Add(Measure.Run(op, s));
                    }
                }
                for (int t = 0; t < 4; t++) byThreads[t] = Measure.Median(samples[t]);
                string Cell(int t) => w.Unit == "GFLOP/s"
                    ? $"{w.Flops / byThreads[t] / 1e9:F1} GFLOP/s"
                    : $"{byThreads[t] * 1e3:F2} ms ({byThreads[0] / byThreads[t]:F2}x)";
                string row = $"| {w.Name} | {Cell(0)} | {Cell(1)} | {Cell(2)} | {Cell(3)} |";
                Console.WriteLine(row);
                rows.Add(row);
            }
        }
        finally
        {
            EngineThreads.Count = saved;
        }
        return rows;
    }
}
