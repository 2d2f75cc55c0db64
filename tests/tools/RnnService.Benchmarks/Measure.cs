using System.Diagnostics;

namespace RnnService.Benchmarks;

/// <summary>
/// How long to warm up and how many timed runs to take. torch_bench.py receives the same settings
/// and applies the same procedure (measure() there mirrors <see cref="Measure.Run"/> here).
/// </summary>
public sealed record MeasureSettings
{
    /// <summary>
    /// Warm up for at least this many calls and at least WarmupSeconds (caches, packing, and above all
    /// .NET tiered compilation: methods are recompiled with full optimisation on a background thread,
    /// which on a loaded 2-core machine lagged by more than a second: with 1 s of warm-up, W5a and
    /// W5b still ran partly in tier-0 code and measured 1.5-2x slower than with 4 s or with
    /// DOTNET_TieredCompilation=0).
    /// </summary>
    public int WarmupIterations { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 3.0;
    /// <summary>A timed run repeats the call until it lasts at least this long, so µs-sized calls are not timer noise.</summary>
    public double MinSampleSeconds { get; init; } = 0.002;
    /// <summary>Timed runs: about TargetSeconds in all, between MinRuns and MaxRuns of them; the median is reported.</summary>
    public double TargetSeconds { get; init; } = 1.0;
    public int MinRuns { get; init; } = 5;
    public int MaxRuns { get; init; } = 25;

    /// <summary>
    /// Rounds per workload: engine and PyTorch are measured alternately (E T, then T E, ...), so a burst of
    /// load from other processes hits both sides; the reported speed-up is the median of the per-round ratios.
    /// </summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Settings after the first round: both sides are warm by then, so a short warm-up and a shorter run.</summary>
    public MeasureSettings ForLaterRounds() => this with
    {
        WarmupIterations = Math.Min(WarmupIterations, 3), WarmupSeconds = Math.Min(WarmupSeconds, 0.3), TargetSeconds = TargetSeconds / 2,
    };

    public static readonly MeasureSettings Full = new();
    public static readonly MeasureSettings Quick = new()
    {
        WarmupIterations = 1, WarmupSeconds = 0, MinSampleSeconds = 0.001, TargetSeconds = 0.05, MinRuns = 3, MaxRuns = 3, Rounds = 2,
    };
}

public static class Measure
{
    /// <summary>Median seconds per call of op after a warm-up.</summary>
    public static double Run(Action op, MeasureSettings s)
    {
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (n < s.WarmupIterations || (clock.Elapsed.TotalSeconds < s.WarmupSeconds && n < 100_000))
        {
            op();
            n++;
        }
        double estimate = Math.Max(clock.Elapsed.TotalSeconds / n, 1e-9);
        int inner = Math.Max(1, (int)Math.Ceiling(s.MinSampleSeconds / estimate));
        int runs = Math.Clamp((int)Math.Round(s.TargetSeconds / (estimate * inner)), s.MinRuns, s.MaxRuns);
        var samples = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < inner; i++) op();
            samples[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / inner;
        }
        return Median(samples);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
