// The "service" workload: what a user gets through POST /train compared with the engine alone. For each
// job the service's own time (the job's startedAt..finishedAt) and the engine's time for the same
// hyper-parameters (Trainer.Train in this process, same data) are measured alternately over a few rounds
// in one run; PyTorch's time for the same work where torch_bench.py has an equivalent.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Benchmarks;

/// <summary>One job's figures: medians over the rounds, and the overhead as the median of per-round ratios.</summary>
internal sealed record ServiceFigures(string Name, int Rounds, IReadOnlyList<double> ServiceRounds, IReadOnlyList<double> EngineRounds,
    double? TorchSeconds, string TorchNote, double? FirstJobSeconds = null)
{
    /// <summary>The fresh process's first job (JIT included) against the warm median.</summary>
    public double? ColdOverWarm => FirstJobSeconds / ServiceSeconds;
    public double ServiceSeconds => Measure.Median(ServiceRounds);
    public double EngineSeconds => Measure.Median(EngineRounds);
    public IReadOnlyList<double> Overheads => ServiceRounds.Zip(EngineRounds, (s, e) => s / e).ToList();
    public double Overhead => Measure.Median(Overheads);
    /// <summary>PyTorch time / service time: how much faster a user training through the API is than PyTorch.</summary>
    public double? SpeedupVsTorch => TorchSeconds / ServiceSeconds;
}

/// <summary>One job as the service receives it and as the engine runs it.</summary>
internal sealed record ServiceJob(string Name, string RequestJson, TaskKind Task, string Dataset, Hyperparameters Hyperparameters,
    Workload? TorchEpoch, int Epochs);

internal static class ServiceBenchmark
{
    public const string TableHeader =
        "| job | service (startedAt..finishedAt) | engine (Trainer.Train) | overhead (median, range) | PyTorch | speed-up vs PyTorch | first job of a fresh service (cold / warm) |\n" +
        "|---|---:|---:|---:|---:|---:|---:|";

    public static IReadOnlyList<ServiceFigures> Run(TorchRunner? torch, MeasureSettings settings)
    {
        int rounds = Math.Clamp(settings.Rounds, 1, 15);   // whole training jobs: each round is seconds (names) to tens of milliseconds (toy)
        using var host = ServiceHost.Start("service", new Dictionary<string, string>());
        // The first job of the fresh process, before anything else has run in it: what a new replica or a user's
        // first try sees, JIT compilation included (seed-003's Hamlet run).
        var firstJob = Jobs()[0];
        double firstJobSeconds = ServiceSeconds(host, firstJob);
        // The engine side runs with the settings the service really uses: the request merged over the defaults
        // fitted to the dataset, as POST /train?dryRun=true reports them.
        var jobs = Jobs().Select(job => job with { Hyperparameters = Effective(host, job.RequestJson) }).ToList();

        // Warm-up: one short job through the service and one short engine run of each kind (JIT, first-use setup).
        foreach (var job in jobs)
        {
            var quick = job.Hyperparameters with { Epochs = 1 };
            Trainer.Train(job.Task, Architecture.Lstm, quick, BuiltInDatasets.Load(job.Dataset));
            host.WaitForStatus(host.PostTrain(WithEpochs(job.RequestJson, 1)), "succeeded");
        }

        var figures = new List<ServiceFigures>();
        foreach (var job in jobs)
        {
            var service = new List<double>();
            var engine = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                // E S, S E, E S: neither side always runs right after the other.
                if (round % 2 == 1) service.Add(ServiceSeconds(host, job));
                engine.Add(EngineSeconds(job));
                if (round % 2 == 0) service.Add(ServiceSeconds(host, job));
            }
            double? torchSeconds = null;
            string note = job.TorchEpoch is null ? "no PyTorch equivalent in torch_bench.py (mini-batches, Adam, clipping, validation)" : "";
            if (torch != null && job.TorchEpoch is Workload epoch)
            {
                try { torchSeconds = torch.Run(epoch, settings).Seconds * job.Epochs; note = $"{job.Epochs} x one epoch ({epoch.Name})"; }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or JsonException) { note = $"PyTorch failed: {e.Message}"; }
            }
            else if (torch is null && job.TorchEpoch != null) note = "PyTorch not run";
            var f = new ServiceFigures(job.Name, rounds, service, engine, torchSeconds, note,
                job.Name == firstJob.Name ? firstJobSeconds : null);
            figures.Add(f);
            Console.WriteLine(Line(f));
        }
        return figures;
    }

    internal static List<ServiceJob> Jobs()
    {
        // seed-003: Hamlet's soliloquy as one 865-step window, LSTM h25, embedding 32, batch 1, SGD lr 0.05,
        // 300 epochs, no validation. Other settings (momentum 0.9, clipping 5) are the defaults a user gets.
        var hamlet = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet);
        int window = hamlet.Text.Length - 1;
        var hamletHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            HiddenSize = 25, EmbeddingSize = 32, SequenceLength = window, BatchSize = 1,
            Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, Epochs = 300, ValidationFraction = 0,
        };
        string hamletRequest = JsonSerializer.Serialize(new
        {
            task = "charlm", dataset = BuiltInDatasets.Hamlet, architecture = "lstm",
            hyperparameters = new
            {
                hiddenSize = 25, embeddingSize = 32, sequenceLength = window, batchSize = 1,
                optimizer = "sgd", learningRate = 0.05, epochs = 300, validationFraction = 0,
            },
        });
        return
        [
            new ServiceJob("seed-003 hamlet (lstm h25, 300 epochs)", hamletRequest, TaskKind.CharLm, BuiltInDatasets.Hamlet,
                hamletHp, HamletEpoch(hamlet.Text, window), 300),
            new ServiceJob("toy-sentiment defaults", """{"task":"sentiment","dataset":"toy-sentiment"}""", TaskKind.Sentiment,
                BuiltInDatasets.ToySentiment, Hyperparameters.DefaultsFor(TaskKind.Sentiment), null,
                Hyperparameters.DefaultsFor(TaskKind.Sentiment).Epochs),
            new ServiceJob("us-names defaults", """{"task":"charlm","dataset":"us-names"}""", TaskKind.CharLm,
                BuiltInDatasets.UsNames, Hyperparameters.DefaultsFor(TaskKind.CharLm), null,
                Hyperparameters.DefaultsFor(TaskKind.CharLm).Epochs),
        ];
    }

    /// <summary>The PyTorch side of one Hamlet epoch, with the engine's own vocabulary for this corpus.</summary>
    private static Workload HamletEpoch(string text, int window)
    {
        var tokenizer = CharTokenizer.Build(text, lineMode: false);
        var ids = tokenizer.Encode(text);
        return new Workload
        {
            Group = "service", Name = "hamlet epoch", Kind = WorkloadKind.LanguageModelEpoch, Unit = "ms/epoch",
            VocabularySize = tokenizer.Count, EmbeddingSize = 32, HiddenSize = 25, OutputSize = tokenizer.Count,
            Batch = 1, Steps = window, Optimizer = "sgd", LearningRate = 0.05f,
            Tokens = ids[..window], Targets = ids[1..(window + 1)],
        };
    }

    private static string WithEpochs(string requestJson, int epochs)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(requestJson)!.AsObject();
        var hp = node["hyperparameters"]?.AsObject() ?? [];
        hp["epochs"] = epochs;
        node["hyperparameters"] = hp;
        return node.ToJsonString();
    }

    private static readonly Dictionary<string, int> EngineEpochs = [];

    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static Hyperparameters Effective(ServiceHost host, string requestJson)
    {
        using var content = new StringContent(requestJson, System.Text.Encoding.UTF8, "application/json");
        using var response = host.Client.PostAsync("/train?dryRun=true", content).GetAwaiter().GetResult();
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /train?dryRun=true answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("hyperparameters").Deserialize<Hyperparameters>(ApiJson)!;
    }

    internal static double ServiceSeconds(ServiceHost host, ServiceJob job)
    {
        var done = host.WaitForStatus(host.PostTrain(job.RequestJson), "succeeded", TimeSpan.FromMinutes(10));
        // Early stopping may end a run before its epoch count; the same settings and seed stop at the same epoch.
        var epochs = done.GetProperty("progress").GetProperty("epoch").GetInt32();
        if (EngineEpochs.TryGetValue(job.Name, out var engineEpochs) && epochs != engineEpochs)
            throw new InvalidOperationException($"{job.Name}: the service ran {epochs} epochs, the engine {engineEpochs}.");
        var started = done.GetProperty("startedAt").GetDateTime();
        var finished = done.GetProperty("finishedAt").GetDateTime();
        return (finished - started).TotalSeconds;
    }

    private static double EngineSeconds(ServiceJob job)
    {
        var data = BuiltInDatasets.Load(job.Dataset);
        GC.Collect();
        var clock = Stopwatch.StartNew();
        var result = Trainer.Train(job.Task, Architecture.Lstm, job.Hyperparameters, data);
        clock.Stop();
        EngineEpochs[job.Name] = result.History.Count;
        return clock.Elapsed.TotalSeconds;
    }

    public static string Line(ServiceFigures f) =>
        $"{f.Name}:  service {f.ServiceSeconds:F3} s  engine {f.EngineSeconds:F3} s  overhead {f.Overhead:F2}x  " +
        (f.SpeedupVsTorch is double s ? $"speedup vs torch {s:F2}x" : "speedup vs torch n/a") +
        $"  (median of {f.Rounds} rounds, overhead range {f.Overheads.Min():F2}-{f.Overheads.Max():F2}x{(f.TorchNote.Length > 0 ? "; torch: " + f.TorchNote : "")})" +
        (f.FirstJobSeconds is double cold ? $"  first job of the fresh service {cold:F3} s = {f.ColdOverWarm:F2}x the warm median" : "");

    public static string Row(ServiceFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"| {f.Name} | {f.ServiceSeconds:F3} s | {f.EngineSeconds:F3} s | {f.Overhead:F2}x ({f.Overheads.Min():F2}-{f.Overheads.Max():F2}x) | " +
        $"{(f.TorchSeconds is double t ? $"{t:F1} s" : "n/a")} | {(f.SpeedupVsTorch is double s ? $"{s:F2}x" : "n/a")} | " +
        $"{(f.FirstJobSeconds is double cold ? $"{cold:F3} s ({f.ColdOverWarm:F2}x)" : "")} |");
}
