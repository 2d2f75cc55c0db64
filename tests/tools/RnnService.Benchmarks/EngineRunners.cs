using RnnService.Engine.Core;
using RnnService.Engine.Kernels;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;
using RnnService.Engine.Sampling;

namespace RnnService.Benchmarks;

/// <summary>Builds, for each workload kind, the engine call that one timed iteration makes.</summary>
public static class EngineRunners
{
    /// <summary>The operation timed for a workload: one epoch, one step, one call, or one GEMM.</summary>
    public static Action Prepare(Workload w) => w.Kind switch
    {
        WorkloadKind.ClassifierEpoch => ClassifierEpoch(w),
        WorkloadKind.LanguageModelEpoch or WorkloadKind.LanguageModelStep => LanguageModelStep(w),
        WorkloadKind.ClassifierStep => ClassifierStep(w),
        WorkloadKind.Predict => Predict(w),
        WorkloadKind.Generate => Generate(w),
        WorkloadKind.Gemm => Gemm(w),
        _ => throw new ArgumentException($"No engine runner for {w.Kind}.", nameof(w)),
    };

    private static RecurrentNetwork Network(Workload w)
    {
        var network = new RecurrentNetwork(w.Architecture, w.VocabularySize, w.EmbeddingSize, w.HiddenSize, layers: 1, w.OutputSize);
        network.Initialize(new Rng(1));
        return network;
    }

    private static Optimizer CreateOptimizer(Workload w, ParameterSet p) => w.Optimizer switch
    {
        "sgd" => new Sgd(p.Count, w.LearningRate),
        "adam" => new Adam(p.Count, w.LearningRate),
        _ => throw new ArgumentException($"Unknown optimizer {w.Optimizer}."),
    };

    /// <summary>The update after a backward pass, as the trainer does it (without clipping, as on the PyTorch side).</summary>
    private static void Update(Optimizer optimizer, ParameterSet p, float loss)
    {
        if (!float.IsFinite(loss)) throw new InvalidOperationException($"The benchmark's training loss became {loss}.");
        optimizer.Step(p.Values, p.Grads);
        p.MarkChanged();
        p.ZeroGrads();
    }

    /// <summary>W1: every sequence in turn as a batch of one: forward, BCE, backward, step.</summary>
    private static Action ClassifierEpoch(Workload w)
    {
        var network = Network(w);
        var p = network.Parameters;
        var optimizer = CreateOptimizer(w, p);
        var sequences = w.Sequences;
        var lengths = sequences.Select(s => new[] { s.Length }).ToArray();
        var labels = w.Labels.Select(l => new[] { l }).ToArray();
        var probability = new float[1];
        return () =>
        {
            for (int i = 0; i < sequences.Length; i++)
            {
                float loss = network.ClassifierLoss(sequences[i], sequences[i].Length, 1, lengths[i], labels[i],
                    backward: true, probability);
                Update(optimizer, p, loss);
            }
        };
    }

    /// <summary>W2, W3: forward over [B, T], softmax CE at every step, backward, step.</summary>
    private static Action LanguageModelStep(Workload w)
    {
        var network = Network(w);
        var p = network.Parameters;
        var optimizer = CreateOptimizer(w, p);
        var tokens = w.Tokens;
        var targets = w.Targets;
        return () =>
        {
            var (loss, _) = network.LanguageModelLoss(tokens, targets, w.Steps, w.Batch, default, default, default, backward: true);
            Update(optimizer, p, loss);
        };
    }

    /// <summary>W4: forward over [B, T], BCE on each row's last state, backward, step.</summary>
    private static Action ClassifierStep(Workload w)
    {
        var network = Network(w);
        var p = network.Parameters;
        var optimizer = CreateOptimizer(w, p);
        var lengths = Enumerable.Repeat(w.Steps, w.Batch).ToArray();
        var probabilities = new float[w.Batch];
        return () =>
        {
            float loss = network.ClassifierLoss(w.Tokens, w.Steps, w.Batch, lengths, w.Labels, backward: true, probabilities);
            Update(optimizer, p, loss);
        };
    }

    /// <summary>W5a: the public inference API on one sentence (tokenize, forward, sigmoid).</summary>
    private static Action Predict(Workload w)
    {
        var model = (SentimentClassifier)w.CreateModel!();
        string[] texts = [w.Text];
        return () => model.Classify(texts);
    }

    /// <summary>W5b: the public generation API, one forward step and one sample per character.</summary>
    private static Action Generate(Workload w)
    {
        var model = (CharLanguageModel)w.CreateModel!();
        var options = new GenerationOptions { Prompt = w.Text, MaxLength = w.GenerateLength, Temperature = w.Temperature, Seed = 7 };
        return () =>
        {
            var text = model.Generate(options)[0];
            if (text.Length != w.Text.Length + w.GenerateLength)
                throw new InvalidOperationException($"Generated {text.Length - w.Text.Length} characters, expected {w.GenerateLength}.");
        };
    }

    private static Action Gemm(Workload w)
    {
        var rng = new Rng(5);
        var a = new float[w.M * w.K];
        var b = new float[w.K * w.N];
        var c = new float[w.M * w.N];
        rng.FillUniform(a, -1, 1);
        rng.FillUniform(b, -1, 1);
        int lda = w.TransA ? w.M : w.K, ldb = w.TransB ? w.K : w.N;
        if (w.PackedOnce && !w.TransA)
        {
            var packed = new PackedMatrix(w.K, w.N);
            packed.Pack(w.TransB, b, ldb);
            return () => Sgemm.Multiply(w.M, a, lda, packed, c, w.N, w.Accumulate);
        }
        return () => Sgemm.Multiply(w.TransA, w.TransB, w.M, w.N, w.K, a, lda, b, ldb, c, w.N, w.Accumulate);
    }
}
