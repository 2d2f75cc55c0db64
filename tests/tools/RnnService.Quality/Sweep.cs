using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using RnnService.Engine.Data;
using RnnService.Engine.Kernels;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

namespace RnnService.Quality;

/// <summary>
/// A grid of settings on a dataset that has no held-out part to cross-validate on, scored as docs/quality.md scores
/// it: toy-sentiment by accuracy on its own 20 test sentences (which it also validates on), us-names by its best
/// validation perplexity, hamlet by the characters recited from "To be, or not". Each candidate is JSON overrides on
/// <see cref="Hyperparameters.DefaultsFor(TaskKind, DataShape)"/>, trained once per seed.
///   dotnet run -c Release --project tests/tools/RnnService.Quality -- --sweep DATASET [--seeds 42,43] [--json OUT] NAME=JSON ...
/// </summary>
internal static class Sweep
{
    public const string HamletPrompt = "To be, or not";

    public static int Run(string[] args)
    {
        EngineThreads.Count = 1; // one core per run: the machine is shared
        string dataset = args[0];
        int[] seeds = [42, 43];
        string? json = null;
        var candidates = new List<(string Name, JsonObject Overrides)> { ("default", new JsonObject()) };
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--seeds") seeds = args[++i].Split(',').Select(int.Parse).ToArray();
            else if (args[i] == "--json") json = args[++i];
            else candidates.Add(CrossValidation.Candidate(args[i]));
        }
        var task = dataset == BuiltInDatasets.ToySentiment ? TaskKind.Sentiment : TaskKind.CharLm;
        var data = BuiltInDatasets.Load(dataset);
        var rows = new List<object>();
        foreach (var (name, overrides) in candidates)
        {
            var values = new List<double>();
            var epochs = new List<int>();
            int ranOut = 0;
            double seconds = 0;
            Hyperparameters? example = null;
            foreach (int seed in seeds)
            {
                var hp = CrossValidation.Apply(Hyperparameters.DefaultsFor(task, DataShape.Of(data)) with { Seed = seed }, overrides);
                example ??= hp;
                var clock = Stopwatch.StartNew();
                var result = Trainer.Train(task, Architecture.Lstm, hp, data);
                seconds += clock.Elapsed.TotalSeconds;
                epochs.Add(result.History.Count);
                if (!result.StoppedEarly) ranOut++;
                values.Add(Score(dataset, data, result));
            }
            Console.WriteLine($"{dataset} {name,-28} {string.Join(" ", values.Select(v => v.ToString("F3")))} mean {values.Average():F4}  " +
                $"epochs {string.Join(",", epochs)} ({ranOut} ran every epoch)  {seconds / seeds.Length:F1} s/run  {overrides.ToJsonString()}");
            rows.Add(new { name, overrides, values, mean = values.Average(), epochs, ranEveryEpoch = ranOut, secondsPerRun = seconds / seeds.Length, hyperparameters = example });
        }
        if (json != null)
            File.WriteAllText(json, JsonSerializer.Serialize(new { dataset, seeds, candidates = rows }, ModelConfig.JsonOptions));
        return 0;
    }

    private static double Score(string dataset, TrainingData data, TrainingResult result)
    {
        if (dataset == BuiltInDatasets.ToySentiment)
        {
            var test = ((SentimentData)data).Test!;
            return ((SentimentClassifier)result.Model).Classify(test.Select(e => e.Text).ToList())
                .Zip(test).Count(p => p.First.Label == p.Second.Label) / (double)test.Count;
        }
        if (dataset == BuiltInDatasets.Hamlet) return Recited((CharLanguageModel)result.Model, ((TextCorpus)data).Text);
        return result.History.Min(m => m.Perplexity!.Value);
    }

    /// <summary>Characters recited greedily from <see cref="HamletPrompt"/> before the first mistake (of 100).</summary>
    public static int Recited(CharLanguageModel model, string text)
    {
        string recited = model.Generate(new GenerationOptions { Prompt = HamletPrompt, Temperature = 0, MaxLength = 100 })[0][HamletPrompt.Length..];
        return recited.Zip(text.Substring(HamletPrompt.Length, 100)).TakeWhile(p => p.First == p.Second).Count();
    }
}
