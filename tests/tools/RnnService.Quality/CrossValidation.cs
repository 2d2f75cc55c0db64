using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using RnnService.Engine.Data;
using RnnService.Engine.Kernels;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Quality;

/// <summary>
/// How the sentiment defaults are chosen without the held-out test: k-fold cross-validation over the
/// imdb-sentences training part only (the fixed 20 % test is removed first and never read here), several seeds.
/// Each fold's run gets <see cref="Hyperparameters.DefaultsFor(TaskKind, DataShape)"/> for its own data (so the
/// engine carves its early-stopping split out of the fold's training part, as a real job does), then a candidate's
/// overrides (JSON, e.g. {"pooling":"last"}) on top; the fold left out is scored once at the end of each run.
///   dotnet run -c Release --project tests/tools/RnnService.Quality -- --cv [--folds 10] [--seeds 42,43,44,45,46] [--json OUT] [--trace] NAME=JSON ...
/// "default" (no overrides) always comes first; every other candidate is also compared with it run by run (same fold,
/// same seed). A binary bag-of-words logistic regression on the same folds is the yardstick.
/// </summary>
internal static class CrossValidation
{
    public static int Run(string[] args)
    {
        EngineThreads.Count = 1; // one core per run: the machine is shared
        int folds = 10, foldsUsed = int.MaxValue;
        string dataset = BuiltInDatasets.ImdbSentences;
        int[] seeds = [42, 43, 44, 45, 46];
        string? json = null;
        bool trace = false;
        var candidates = new List<(string Name, JsonObject Overrides)> { ("default", new JsonObject()) };
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--folds") folds = int.Parse(args[++i]);
            else if (args[i] == "--folds-used") foldsUsed = int.Parse(args[++i]);
            else if (args[i] == "--dataset") dataset = args[++i];
            else if (args[i] == "--seeds") seeds = args[++i].Split(',').Select(int.Parse).ToArray();
            else if (args[i] == "--json") json = args[++i];
            else if (args[i] == "--trace") trace = true;
            else candidates.Add(Candidate(args[i]));
        }

        var (train, _) = QualityData.LoadSentiment(dataset).HeldOutFifth();
        var examples = train.Train;
        // Fold f: every folds-th sentence of a seeded shuffle of the training part, starting at f.
        var order = Enumerable.Range(0, examples.Count).ToArray();
        new Random(12345).Shuffle(order);
        var splits = Enumerable.Range(0, folds).Select(f => (
            Fit: order.Where((_, k) => k % folds != f).Order().Select(i => examples[i]).ToList(),
            Validation: order.Where((_, k) => k % folds == f).Select(i => examples[i]).ToList())).Take(foldsUsed).ToList();
        Console.WriteLine($"{dataset}: {examples.Count} training texts (the 20 % test is not read), {splits.Count} of {folds} folds, seeds {string.Join(",", seeds)}");

        var baselines = new List<object>();
        foreach (double l2 in new[] { 1e-3, 1e-2 })
        {
            double accuracy = splits.Average(s => BagOfWords(s.Fit, s.Validation, l2));
            Console.WriteLine($"{"bag-of-words LR, L2 " + l2,-28} cv accuracy {accuracy:F4}");
            baselines.Add(new { l2, accuracy });
        }

        List<double>? reference = null;
        var rows = new List<object>();
        foreach (var (name, overrides) in candidates)
        {
            var accuracies = new List<double>();
            double seconds = 0;
            int epochs = 0, ranOut = 0;
            Hyperparameters? example = null;
            for (int f = 0; f < splits.Count; f++)
            {
                var (fit, validation) = splits[f];
                var data = new SentimentData(fit);
                foreach (int seed in seeds)
                {
                    var hp = Apply(Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(data)) with { Seed = seed }, overrides);
                    example ??= hp;
                    var clock = Stopwatch.StartNew();
                    var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, data);
                    seconds += clock.Elapsed.TotalSeconds;
                    epochs += result.History.Count;
                    if (!result.StoppedEarly) ranOut++;
                    if (trace)
                        Console.WriteLine($"  fold {f} seed {seed}: " + string.Join(" ", result.History.Select(m =>
                            $"{m.Epoch}:{m.TrainLoss:F2}/{m.ValidationLoss:F2}/{m.ValidationAccuracy:F2}")));
                    var predictions = ((SentimentClassifier)result.Model).Classify(validation.Select(e => e.Text).ToList());
                    accuracies.Add(predictions.Zip(validation).Count(p => p.First.Label == p.Second.Label) / (double)validation.Count);
                }
            }
            var (mean, se) = MeanAndStandardError(accuracies);
            reference ??= accuracies;
            var (difference, differenceSe) = MeanAndStandardError(accuracies.Zip(reference, (a, r) => a - r).ToList());
            Console.WriteLine($"{name,-28} cv accuracy {mean:F4} (se {se:F3}, n {accuracies.Count}), paired difference from default " +
                $"{difference:+0.0000;-0.0000;0.0000} (se {differenceSe:F3})  {seconds / accuracies.Count:F1} s/run, " +
                $"{epochs / (double)accuracies.Count:F1} epochs/run, {ranOut} ran every epoch  {overrides.ToJsonString()}");
            rows.Add(new
            {
                name, overrides, accuracy = mean, standardError = se, difference, differenceStandardError = differenceSe,
                runs = accuracies.Count, ranEveryEpoch = ranOut, epochsPerRun = epochs / (double)accuracies.Count, secondsPerRun = seconds / accuracies.Count,
                foldHyperparameters = example,
            });
        }
        if (json != null)
            File.WriteAllText(json, JsonSerializer.Serialize(new
            {
                dataset, trainingSentences = examples.Count, folds, foldsUsed = splits.Count, seeds, bagOfWords = baselines, candidates = rows,
            }, ModelConfig.JsonOptions));
        return 0;
    }

    private static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        if (values.Count < 2) return (mean, 0);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }

    /// <summary>
    /// The docs' baseline on one fold: binary bag-of-words logistic regression (vocabulary from the fold's training
    /// texts, &lt;unk&gt; dropped) with penalty <paramref name="l2"/>·|w|², 2000 full-batch Adam steps.
    /// </summary>
    private static double BagOfWords(IReadOnlyList<SentimentExample> fit, IReadOnlyList<SentimentExample> validation, double l2)
    {
        var tokenizer = WordTokenizer.Build(fit.Select(e => e.Text));
        int[] Features(string text) => tokenizer.Encode(text, 256).Where(id => id > tokenizer.UnknownId).Distinct().ToArray();
        var x = fit.Select(e => Features(e.Text)).ToArray();
        int n = tokenizer.Count;
        var w = new double[n + 1];   // the last entry is the bias
        var m = new double[n + 1];
        var v = new double[n + 1];
        var g = new double[n + 1];
        double Logit(int[] features) => w[n] + features.Sum(j => w[j]);
        for (int step = 1; step <= 2000; step++)
        {
            Array.Clear(g);
            for (int i = 0; i < x.Length; i++)
            {
                double d = (1 / (1 + Math.Exp(-Logit(x[i]))) - fit[i].Label) / x.Length;
                foreach (int j in x[i]) g[j] += d;
                g[n] += d;
            }
            for (int j = 0; j < n; j++) g[j] += 2 * l2 * w[j];
            double bc1 = 1 - Math.Pow(0.9, step), bc2 = 1 - Math.Pow(0.999, step);
            for (int j = 0; j <= n; j++)
            {
                m[j] = 0.9 * m[j] + 0.1 * g[j];
                v[j] = 0.999 * v[j] + 0.001 * g[j] * g[j];
                w[j] -= 0.05 * (m[j] / bc1) / (Math.Sqrt(v[j] / bc2) + 1e-8);
            }
        }
        return validation.Count(e => (Logit(Features(e.Text)) >= 0 ? 1 : 0) == e.Label) / (double)validation.Count;
    }

    /// <summary>A NAME=JSON argument: a candidate's name and its overrides.</summary>
    public static (string Name, JsonObject Overrides) Candidate(string arg)
    {
        int eq = arg.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"Expected NAME=JSON, got '{arg}'.");
        return (arg[..eq], JsonNode.Parse(arg[(eq + 1)..])!.AsObject());
    }

    /// <summary>The overrides on <paramref name="hp"/>; "minEpochs" (not a hyper-parameter) raises the fitted epochs to at
    /// least that many, so one candidate means the same on data of every size.</summary>
    public static Hyperparameters Apply(Hyperparameters hp, JsonObject overrides)
    {
        var node = JsonSerializer.SerializeToNode(hp, ModelConfig.JsonOptions)!.AsObject();
        foreach (var (key, value) in overrides)
        {
            if (key == "minEpochs") node["epochs"] = Math.Max(hp.Epochs, value!.GetValue<int>());
            else node[key] = value?.DeepClone();
        }
        return node.Deserialize<Hyperparameters>(ModelConfig.JsonOptions)!;
    }
}
