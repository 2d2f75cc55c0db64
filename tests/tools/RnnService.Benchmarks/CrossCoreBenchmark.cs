// The "cores" workload: what one thread pays to write or read 1 MB whose cache lines another thread of the process (on
// the other core, on a 2-core machine) touched last, against lines it touched itself. A training step's serial parts
// (repacking the weights, the optimizer) write data that both threads of its time loops read, so this is their cost.
// Non-temporal stores (written to memory, bypassing the caches) are timed beside: a lead for those rewrites.
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnService.Benchmarks;

internal static class CrossCoreBenchmark
{
    public const string TableHeader = "| 1 MB, by one thread | median | GB/s | against the same access after this thread |\n|---|---:|---:|---:|";

    public static unsafe IReadOnlyList<string> Run(MeasureSettings settings)
    {
        var array = GC.AllocateArray<float>((1 << 18) + 8, pinned: true);   // 1 MB from the first 32-byte boundary
        int start = (int)((32 - (nint)Unsafe.AsPointer(ref array[0]) % 32) % 32 / sizeof(float));
        var buffer = new ArraySegment<float>(array, start, 1 << 18);
        float sink = 0;
        void Write() => buffer.AsSpan().Fill(1.5f);
        void Read() => sink += TensorPrimitives.Sum<float>(buffer);
        void WriteNonTemporal()
        {
            if (!Avx.IsSupported) { Write(); return; }
            fixed (float* p = buffer.AsSpan())
            {
                var v = Vector256.Create(1.5f);
                for (int i = 0; i < buffer.Count; i += 8) Avx.StoreAlignedNonTemporal(p + i, v);
            }
            Sse.StoreFence();
        }

        using var go = new SemaphoreSlim(0);
        using var done = new SemaphoreSlim(0);
        Action? job = null;
        bool stop = false;
        var other = new Thread(() =>
        {
            while (true)
            {
                go.Wait();
                if (Volatile.Read(ref stop)) return;
                job!();
                done.Release();
            }
        }) { IsBackground = true, Name = "cross-core benchmark" };
        other.Start();
        void OnOther(Action a) { job = a; go.Release(); done.Wait(); }

        var cases = new (string Name, Action Before, Action Timed, int Baseline)[]
        {
            ("write lines this thread read last", Read, Write, 0),
            ("write lines the other thread read last", () => OnOther(Read), Write, 0),
            ("write lines the other thread wrote last", () => OnOther(Write), Write, 0),
            ("read lines this thread wrote last", Write, Read, 3),
            ("read lines the other thread wrote last", () => OnOther(Write), Read, 3),
            ("write non-temporal, this thread read last", Read, WriteNonTemporal, 0),
            ("write non-temporal, the other thread read last", () => OnOther(Read), WriteNonTemporal, 0),
            ("write non-temporal and read back, the other thread read last", () => OnOther(Read), () => { WriteNonTemporal(); Read(); }, 0),
        };
        // Warm-up, then the cases in rotation so that every case sees the same spells of the machine.
        int perCase = settings.MinRuns == MeasureSettings.Quick.MinRuns ? 50 : 1000 * settings.Rounds;
        var samples = cases.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < cases.Length * (perCase + 20); i++)
        {
            var (_, before, timed, _) = cases[i % cases.Length];
            before();
            long t0 = Stopwatch.GetTimestamp();
            timed();
            if (i >= cases.Length * 20) samples[i % cases.Length].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        Volatile.Write(ref stop, true);
        go.Release();
        other.Join();   // before the semaphores are disposed

        var medians = samples.Select(Measure.Median).ToArray();
        var rows = new List<string>();
        for (int c = 0; c < cases.Length; c++)
        {
            string row = $"| {cases[c].Name} | {medians[c]:F1} µs | {1.0 / 1024 / (medians[c] * 1e-6):F1} | {medians[c] / medians[cases[c].Baseline]:F1}x |";
            Console.WriteLine(row);
            rows.Add(row);
        }
        if (sink == 42) Console.WriteLine();   // keeps the reads
        return rows;
    }
}
