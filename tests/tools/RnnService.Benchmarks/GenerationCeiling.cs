// The engine alone beside the batching table (issue 25): what the two cores write with no HTTP, no JSON and no batcher,
// on models of the two shapes the table's generation rows use (the weights' values do not change the work). Three ways to
// write 100-character samples: one sample at a time on one thread (one client alone), 16 threads each writing its own
// sample (16 unbatched clients), and one GenerationBatch stepping 16 samples together (16 batched clients). The service's
// rows against these say how much of a gap is the service's and how much the engine's step.
using System.Diagnostics;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

namespace RnnService.Benchmarks;

internal static class GenerationCeiling
{
    private const int Characters = 100, Clients = 16;

    public static void Run(double seconds, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine("The engine alone (no HTTP), 100-character samples:");
        Console.WriteLine("| model | how | characters/s | per step | GFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (label, embedding, hidden) in new[] { ("names (default)", 32, 128), ("hidden 512", 64, 512) })
        {
            var model = Model(embedding, hidden);
            double flopsPerCharacter = 2.0 * model.MultiplyAddsPerStep;
            var ways = new (string How, Func<double, double> CharactersPerSecond, int Rows)[]
            {
                ("1 sample at a time, 1 thread", s => Threads(model, 1, s), 1),
                ($"{Clients} threads, 1 sample each", s => Threads(model, Clients, s), 1),
                ($"1 batch of {Clients} samples, 1 thread", s => Batched(model, s), Clients),
            };
            var figures = ways.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < rounds; round++)
                for (int w = 0; w < ways.Length; w++) figures[w].Add(ways[w].CharactersPerSecond(seconds));
            for (int w = 0; w < ways.Length; w++)
            {
                double rate = Measure.Median(figures[w]);
                // A step writes one character per row: rows / rate seconds when one thread steps (the threads' steps overlap).
                string step = w == 1 ? "" : $"{ways[w].Rows / rate * 1e6:F0} µs";
                Console.WriteLine($"| {label} | {ways[w].How} | {rate:F0} | {step} | {rate * flopsPerCharacter / 1e9:F1} |");
            }
        }
        Console.WriteLine($"(medians of {rounds} rounds of {seconds} s each)");
    }

    private static CharLanguageModel Model(int embedding, int hidden)
    {
        // Lines of letters: a vocabulary of the 26 letters and the markers, about the size of the names data's.
        var lines = string.Join('\n', Enumerable.Range(0, 200).Select(i => new string([.. Enumerable.Range(0, 3 + i % 7).Select(j => (char)('a' + (i * 7 + j * 3) % 26))])));
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { EmbeddingSize = embedding, HiddenSize = hidden, Epochs = 1, ValidationFraction = 0 };
        return (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, new TextCorpus(lines, LineMode: true)).Model;
    }

    private static GenerationOptions Options(int seed) =>
        new() { Prompt = "a", MinLength = Characters, MaxLength = Characters, Seed = seed };

    private static double Threads(CharLanguageModel model, int threads, double seconds)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long written = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int seed = t; Stopwatch.GetTimestamp() < deadline; seed += threads)
                Interlocked.Add(ref written, model.Generate(Options(seed))[0].Length - 1);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return written / clock.Elapsed.TotalSeconds;
    }

    private static double Batched(CharLanguageModel model, double seconds)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var runs = new List<GenerationRun>();
        var clock = Stopwatch.StartNew();
        using var batch = model.StartBatch();
        for (int seed = 0; Stopwatch.GetTimestamp() < deadline;)
        {
            // Continuous batching, as the service's batcher runs it: a finished sample's place is taken at the next step.
            while (batch.Runs.Count < Clients) runs.Add(batch.Add(Options(seed++)));
            batch.Step();
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        // The samples still writing at the deadline have their characters so far: each has run one step per character.
        return runs.Sum(r => r.Samples[0].Length - 1) / elapsed;
    }
}
