using System.Globalization;

namespace RnnService.Benchmarks;

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
