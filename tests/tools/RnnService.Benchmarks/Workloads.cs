using System.Text.Json.Serialization;
using RnnService.Engine.Core;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Benchmarks;

/// <summary>
/// What a workload measures. Each kind has one engine runner (EngineRunners) and, where
/// <see cref="Workload.HasTorchBaseline"/>, one function of the same name in torch_bench.py.
/// A future "http" workload (POST /predict under load, p50/p99, requests/s) becomes one more kind
/// here with its own runner and HasTorchBaseline = false; nothing else has to change.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkloadKind>))]
public enum WorkloadKind
{
    /// <summary>One training epoch over labelled sequences, batch 1: forward, BCE head, backward, optimizer step.</summary>
    ClassifierEpoch,
    /// <summary>One training epoch over one long window of a character stream: softmax CE at every step.</summary>
    LanguageModelEpoch,
    /// <summary>One training step on a [B, T] batch, BCE on the last state.</summary>
    ClassifierStep,
    /// <summary>One training step on a [B, T] batch, softmax CE at every step.</summary>
    LanguageModelStep,
    /// <summary>Classify one sentence (tokenize, forward, sigmoid) with a trained model.</summary>
    Predict,
    /// <summary>Generate characters one step at a time with sampling.</summary>
    Generate,
    /// <summary>C = op(A)·op(B), reported in GFLOP/s.</summary>
    Gemm,
}

/// <summary>
/// One workload, defined once here: the engine runs it from this record and the same record,
/// serialized to JSON, tells torch_bench.py the shapes and the data. Sizes follow PyTorch's names.
/// </summary>
public sealed record Workload
{
    /// <summary>Command-line selector: W1, W2, W3, W4, W5a, W5b, gemm.</summary>
    public required string Group { get; init; }
    /// <summary>Printed name, e.g. "W4 lstm".</summary>
    public required string Name { get; init; }
    public required WorkloadKind Kind { get; init; }
    /// <summary>ms/epoch, ms/step, µs/call, ms/call or GFLOP/s.</summary>
    public required string Unit { get; init; }
    /// <summary>Required ratio: engine speed / PyTorch speed (for gemm: engine GFLOP/s / PyTorch GFLOP/s); 0 = no target.</summary>
    public double Target { get; init; }
    public bool HasTorchBaseline { get; init; } = true;

    [JsonConverter(typeof(JsonStringEnumConverter<Architecture>))]
    public Architecture Architecture { get; init; } = Architecture.Lstm;
    public int VocabularySize { get; init; }
    public int EmbeddingSize { get; init; }
    public int HiddenSize { get; init; }
    public int OutputSize { get; init; }
    public int Batch { get; init; }
    /// <summary>Time steps T of a batch (for ClassifierEpoch: each sequence has its own length).</summary>
    public int Steps { get; init; }
    /// <summary>"sgd" or "adam".</summary>
    public string Optimizer { get; init; } = "sgd";
    public float LearningRate { get; init; }

    /// <summary>ClassifierEpoch: the token ids of each training sequence, in epoch order.</summary>
    public int[][] Sequences { get; init; } = [];
    /// <summary>[B, T] batch-first token ids (LanguageModelEpoch/Step, ClassifierStep).</summary>
    public int[] Tokens { get; init; } = [];
    /// <summary>[B, T] next-token targets (language-model kinds).</summary>
    public int[] Targets { get; init; } = [];
    /// <summary>0/1 labels, one per sequence (ClassifierEpoch) or per batch row (ClassifierStep).</summary>
    public float[] Labels { get; init; } = [];

    /// <summary>Predict: the sentence; its word vocabulary (index order) for the PyTorch side's tokenizer.</summary>
    public string Text { get; init; } = "";
    public string[] Words { get; init; } = [];
    /// <summary>Generate: characters to generate, sampling temperature, prompt token id, token ids that may not be sampled.</summary>
    public int GenerateLength { get; init; }
    public float Temperature { get; init; } = 1f;
    public int PromptToken { get; init; }
    public int[] Disallowed { get; init; } = [];

    /// <summary>Gemm: C[M,N] (+)= op(A)[M,K] · op(B)[K,N].</summary>
    public int M { get; init; }
    public int N { get; init; }
    public int K { get; init; }
    public bool TransA { get; init; }
    public bool TransB { get; init; }
    public bool Accumulate { get; init; }
    /// <summary>Engine side: op(B) packed once before timing (a PackedMatrix, as a recurrent layer packs W_hh once per pass).</summary>
    [JsonIgnore] public bool PackedOnce { get; init; }

    [JsonIgnore] public bool HigherIsBetter => Kind == WorkloadKind.Gemm;
    [JsonIgnore] public double Flops => Kind == WorkloadKind.Gemm ? 2.0 * M * N * K : ModelFlops(training: true);

    /// <summary>
    /// Multiply-add FLOPs of one call, counted as the matrix products a recurrent network needs (elementwise
    /// work left out): a forward step is 2·B·G·H·(E + H) for the layer and 2·B·H·V for a head over every step;
    /// training adds the data gradients and the weight gradients, about twice the forward again (3x in all).
    /// training false: the forward pass alone (what ONNX Runtime is compared on).
    /// </summary>
    public double ModelFlops(bool training)
    {
        double passes = training ? 3 : 1;
        int gates = Architecture switch { Architecture.Lstm => 4, Architecture.Gru => 3, _ => 1 };
        double step = 2.0 * gates * HiddenSize * (EmbeddingSize + HiddenSize);
        double head = 2.0 * HiddenSize * OutputSize;
        return Kind switch
        {
            WorkloadKind.ClassifierEpoch => passes * (Sequences.Sum(s => s.Length) * step + Sequences.Length * head),
            WorkloadKind.LanguageModelEpoch or WorkloadKind.LanguageModelStep => passes * Steps * Batch * (step + head),
            WorkloadKind.ClassifierStep => passes * ((double)Steps * Batch * step + Batch * head),
            WorkloadKind.Predict => Steps * step + head,
            WorkloadKind.Generate => GenerateLength * (step + head),
            _ => 0,
        };
    }

    /// <summary>Engine-only: how the W5 models are made (a trained model of the right shape).</summary>
    [JsonIgnore] public Func<RnnModel>? CreateModel { get; init; }
}

/// <summary>The workloads of issue 4, each built once with its shapes and data.</summary>
public static class Workloads
{
    public static readonly string[] Groups = ["W1", "W2", "W3", "W4", "W5a", "W5b", "gemm"];

    public static IEnumerable<Workload> Create(string group) => group switch
    {
        "W1" => [ToySentimentEpoch(Architecture.Lstm), ToySentimentEpoch(Architecture.Gru)],
        "W2" => [HamletEpoch()],
        "W3" => [NamesStep()],
        "W4" => [ImdbStep(Architecture.Lstm), ImdbStep(Architecture.Gru)],
        "W5a" => [PredictSentence()],
        "W5b" => [GenerateText()],
        "gemm" => Gemms(),
        _ => throw new ArgumentException($"Unknown workload {group}.", nameof(group)),
    };

    /// <summary>W1: one epoch over the 58 toy training sentences, batch 1, embedding 19, h64, BCE head, SGD.</summary>
    private static Workload ToySentimentEpoch(Architecture architecture)
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var tokenizer = WordTokenizer.Build(data.Train.Select(e => e.Text));
        return new Workload
        {
            Group = "W1", Name = $"W1 {Arch(architecture)}", Kind = WorkloadKind.ClassifierEpoch, Unit = "ms/epoch", Target = 20,
            Architecture = architecture, VocabularySize = tokenizer.Count, EmbeddingSize = 19, HiddenSize = 64, OutputSize = 1,
            Batch = 1, Optimizer = "sgd", LearningRate = 0.1f,
            Sequences = data.Train.Select(e => tokenizer.Encode(e.Text, 256)).ToArray(),
            Labels = data.Train.Select(e => (float)e.Label).ToArray(),
        };
    }

    /// <summary>
    /// W2: one epoch over Hamlet's soliloquy as one 865-step window, vocab 32, embedding 32, LSTM h25, batch 1, SGD.
    /// The vocab 32 is the 32 distinct characters of the lowercased text (the engine's own
    /// CharTokenizer keeps case and adds &lt;pad&gt;/&lt;unk&gt;, giving 42), so the ids here are indices into those.
    /// </summary>
    private static Workload HamletEpoch()
    {
        var corpus = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet);
        string text = corpus.Text.ToLowerInvariant();
        var chars = text.Distinct().Order().ToList();
        var ids = text.Select(c => chars.IndexOf(c)).ToArray();
        int t = ids.Length - 1;
        return new Workload
        {
            Group = "W2", Name = "W2 lstm", Kind = WorkloadKind.LanguageModelEpoch, Unit = "ms/epoch", Target = 20,
            VocabularySize = chars.Count, EmbeddingSize = 32, HiddenSize = 25, OutputSize = chars.Count,
            Batch = 1, Steps = t, Optimizer = "sgd", LearningRate = 0.05f,
            Tokens = ids[..t], Targets = ids[1..],
        };
    }

    /// <summary>W3: a names-model training step, vocab 27, embedding 100, LSTM h256, batch 20, 12 steps, Adam.</summary>
    private static Workload NamesStep()
    {
        const int v = 27, b = 20, t = 12;
        var rng = new Rng(3);
        return new Workload
        {
            Group = "W3", Name = "W3 lstm", Kind = WorkloadKind.LanguageModelStep, Unit = "ms/step", Target = 1.5,
            VocabularySize = v, EmbeddingSize = 100, HiddenSize = 256, OutputSize = v, Batch = b, Steps = t,
            Optimizer = "adam", LearningRate = 0.002f,
            Tokens = RandomIds(rng, b * t, v), Targets = RandomIds(rng, b * t, v),
        };
    }

    /// <summary>W4: an IMDB-like classifier training step, vocab 5000, embedding 64, h128, batch 32, 80 steps, Adam.</summary>
    private static Workload ImdbStep(Architecture architecture)
    {
        const int v = 5000, b = 32, t = 80;
        var rng = new Rng(4);
        return new Workload
        {
            Group = "W4", Name = $"W4 {Arch(architecture)}", Kind = WorkloadKind.ClassifierStep, Unit = "ms/step", Target = 1.5,
            Architecture = architecture, VocabularySize = v, EmbeddingSize = 64, HiddenSize = 128, OutputSize = 1,
            Batch = b, Steps = t, Optimizer = "adam", LearningRate = 0.001f,
            Tokens = RandomIds(rng, b * t, v), Labels = Enumerable.Range(0, b).Select(_ => (float)rng.NextInt(2)).ToArray(),
        };
    }

    /// <summary>W5a: classify one 6-word sentence with an LSTM h64 sentiment model (embedding 32, trained one epoch on toy-sentiment).</summary>
    private static Workload PredictSentence()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { EmbeddingSize = 32, HiddenSize = 64, Epochs = 1, BatchSize = 8 };
        var data = BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, data).Model;
        var config = model.Config;
        return new Workload
        {
            Group = "W5a", Name = "W5a lstm", Kind = WorkloadKind.Predict, Unit = "µs/call", Target = 20,
            VocabularySize = config.VocabularySize, EmbeddingSize = config.EmbeddingSize, HiddenSize = config.HiddenSize, OutputSize = 1,
            Batch = 1, Steps = 6, Text = "the movie was not very good", Words = config.Vocabulary.ToArray(),
            CreateModel = () => model,
        };
    }

    /// <summary>W5b: generate 200 characters one step at a time, vocab 30, embedding 100, LSTM h256, temperature 1 sampling.</summary>
    private static Workload GenerateText()
    {
        // 26 letters, space and full stop: a continuous corpus with 28 symbols, so vocab 30 with <pad> and <unk>.
        string text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 6));
        var corpus = new TextCorpus(text, LineMode: false);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            EmbeddingSize = 100, HiddenSize = 256, Epochs = 1, BatchSize = 1, SequenceLength = 100, ValidationFraction = 0,
        };
        var tokenizer = CharTokenizer.Build(text, lineMode: false);
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus).Model;
        return new Workload
        {
            Group = "W5b", Name = "W5b lstm", Kind = WorkloadKind.Generate, Unit = "ms/call", Target = 5,
            VocabularySize = tokenizer.Count, EmbeddingSize = 100, HiddenSize = 256, OutputSize = tokenizer.Count,
            Batch = 1, Steps = 1, GenerateLength = 200, Temperature = 1f, Text = "t",
            PromptToken = tokenizer.Encode("t")[0], Disallowed = [tokenizer.PadId, tokenizer.UnknownId],
            Words = tokenizer.Vocabulary.ToArray(),
            CreateModel = () => model,
        };
    }

    /// <summary>The SGEMM at 1024³ and at the GEMM shapes of a W4 LSTM step.</summary>
    private static IEnumerable<Workload> Gemms()
    {
        Workload G(string name, int m, int n, int k, bool ta, bool tb, bool acc, double target = 0, bool packedOnce = false) => new()
        {
            Group = "gemm", Name = $"gemm {name}", Kind = WorkloadKind.Gemm, Unit = "GFLOP/s", Target = target,
            M = m, N = n, K = k, TransA = ta, TransB = tb, Accumulate = acc, PackedOnce = packedOnce,
        };
        // W4 LSTM (B 32, T 80, E 64, H 128, 4H 512): the input projection of all steps, one recurrent
        // step h·W_hhᵀ, the weight gradient dW_hh = dGatesᵀ·H over all T·B rows, that gradient as the layer forms it
        // (transposed, dW_hhᵀ = Hᵀ·dGates: see RecurrentLayer.Backward), and the input gradient dX = dGates·W_ih.
        return
        [
            G("1024^3", 1024, 1024, 1024, false, false, false, target: 0.7),
            G("W4 X*Wih^T", 80 * 32, 512, 64, false, true, false),
            G("W4 h*Whh^T", 32, 512, 128, false, true, true),
            G("W4 h*Whh^T, W_hh packed once", 32, 512, 128, false, true, true, packedOnce: true),
            G("W4 dWhh", 512, 128, 80 * 32, true, false, true),
            G("W4 dWhh^T (the layer's form)", 128, 512, 80 * 32, true, false, false),
            G("W4 dX", 80 * 32, 64, 512, false, false, false),
        ];
    }

    private static int[] RandomIds(Rng rng, int count, int vocabulary)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = rng.NextInt(vocabulary);
        return ids;
    }

    private static string Arch(Architecture a) => a.ToString().ToLowerInvariant();
}
