using Microsoft.ML.OnnxRuntime;
using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Sampling;
using RnnService.Engine.Serialization;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Benchmarks;

/// <summary>
/// ONNX Runtime as a second peer: the engine's own export (OnnxExporter) of the same model, run by
/// ONNX Runtime with 1 and 2 intra-op threads (the faster counts), against the engine on
///   W5a   one sentence classified (tokenising included on both sides),
///   W4    a batch-32, 80-step sentiment forward pass (inference only, W4's shapes), LSTM and GRU, and one step of it
///         (the shape of a batched generation step),
///   W5b   200 characters generated one step per call, the state fed back (sampling on both sides).
/// Each pair is checked for equal results before it is timed.
/// </summary>
public static class OnnxRuntimeBenchmark
{
    public static IEnumerable<string> Run(MeasureSettings settings, Peak peak)
    {
        yield return $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, best of 1 and 2 intra-op threads";
        yield return "(the engine as the service runs it copies its first layer's input projection by token once filled; \"projecting\" " +
            "lines turn that cache off. GFLOP/s count the model's FLOPs either way.)";
        yield return Compare("W5a lstm (onnx)", "µs/call", 1e6, PredictSentence(), settings, peak);
        yield return Compare("W4 lstm forward (onnx)", "ms/call", 1e3, BatchForward(Architecture.Lstm), settings, peak);
        yield return Compare("W4 lstm forward, projecting (onnx)", "ms/call", 1e3, Projecting(() => BatchForward(Architecture.Lstm)), settings, peak);
        yield return Compare("W4 lstm one step, batch 32 (onnx)", "µs/call", 1e6, BatchForward(Architecture.Lstm, steps: 1), settings, peak);
        yield return Compare("W4 gru forward (onnx)", "ms/call", 1e3, BatchForward(Architecture.Gru), settings, peak);
        yield return Compare("W4 gru forward, projecting (onnx)", "ms/call", 1e3, Projecting(() => BatchForward(Architecture.Gru)), settings, peak);
        yield return Compare("W5b lstm (onnx)", "ms/call", 1e3, Generate(), settings, peak);
        yield return Compare("W5b lstm, projecting (onnx)", "ms/call", 1e3, Projecting(Generate), settings, peak);
    }

    /// <summary>A pair whose engine networks are made without the token projection cache (RecurrentNetwork.TokenProjectionCacheBytes 0).</summary>
    private static Pair Projecting(Func<Pair> make)
    {
        long bytes = RecurrentNetwork.TokenProjectionCacheBytes;
        RecurrentNetwork.TokenProjectionCacheBytes = 0;
        try { return make(); }
        finally { RecurrentNetwork.TokenProjectionCacheBytes = bytes; }
    }

    /// <summary>An engine call, a factory for the ONNX Runtime call given a session, and the FLOPs of one call (forward only).</summary>
    private sealed record Pair(Action Engine, byte[] Onnx, Func<InferenceSession, Action> OnnxCall, double Flops);

    /// <summary>
    /// Times the engine and ONNX Runtime at 1 and 2 threads in three interleaved rounds (warm-up in the
    /// first only) and compares the medians, so a load change on a shared machine hits both sides alike.
    /// Each ONNX Runtime turn has a session of its own, disposed after it: a live session's intra-op threads keep
    /// spinning after its runs, and on two cores they took the engine's partner core (W4 LSTM forward 4.0-4.2 ms
    /// beside live sessions, 2.6-2.7 ms with their spinning turned off, ONNX Runtime's own time unchanged).
    /// </summary>
    private static string Compare(string name, string unit, double scale, Pair pair, MeasureSettings settings, Peak peak)
    {
        const int rounds = 3;
        int[] threadCounts = [1, 2];
        var ops = new List<Func<MeasureSettings, double>> { s => Measure.Run(pair.Engine, s) };
        foreach (int threads in threadCounts) ops.Add(s => TimeOnnxRuntime(pair, threads, s));
        var times = ops.Select(_ => new double[rounds]).ToArray();
        var later = settings with { WarmupIterations = 2, WarmupSeconds = 0 };
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < ops.Count; i++) times[i][round] = ops[i](round == 0 ? settings : later);
        var medians = times.Select(Measure.Median).ToArray();
        double engine = medians[0];
        int best = medians[1] <= medians[2] ? 1 : 2;
        int bestThreads = threadCounts[best - 1];
        return $"{name}  engine {Result.Format(engine * scale)} {unit}  onnxruntime {Result.Format(medians[best] * scale)} {unit} " +
            $"({bestThreads} thread{(bestThreads == 1 ? "" : "s")}; other count {Result.Format(medians[3 - best] * scale)})  speedup {medians[best] / engine:F2}x" +
            $"  [engine {peak.Share(pair.Flops / engine / 1e9)}; onnxruntime {peak.Share(pair.Flops / medians[best] / 1e9)}]";
    }

    /// <summary>One ONNX Runtime turn on a fresh session with its default (spinning) thread pool; the session and its
    /// threads are gone when the turn ends.</summary>
    private static double TimeOnnxRuntime(Pair pair, int threads, MeasureSettings settings)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // The optional state inputs are initializers listed as inputs (defaults a caller may override);
            // ONNX Runtime warns that it cannot constant-fold them, which is intended here.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(pair.Onnx, options);
        return Measure.Run(pair.OnnxCall(session), settings);
    }

    private static Pair PredictSentence()
    {
        var w = Workloads.Create("W5a").Single();
        var model = (SentimentClassifier)w.CreateModel!();
        var tokenizer = new WordTokenizer(model.Config.Vocabulary);
        int maxLength = model.Config.Hyperparameters.MaxSequenceLength;
        string[] texts = [w.Text];
        float expected = model.Classify(texts)[0].Probability;
        return new Pair(() => model.Classify(texts), OnnxExporter.Export(model), session =>
        {
            float Call()
            {
                // What a client does per sentence: tokenise, wrap the ids, run, read P(positive).
                var ids = tokenizer.Encode(w.Text, maxLength);
                var tokens = Array.ConvertAll(ids, id => (long)id);
                using var tokenValue = OrtValue.CreateTensorValueFromMemory(tokens, [1, tokens.Length]);
                using var lengthValue = OrtValue.CreateTensorValueFromMemory(new[] { tokens.Length }, [1]);
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions,
                    new Dictionary<string, OrtValue> { [OnnxNames.Tokens] = tokenValue, [OnnxNames.Lengths] = lengthValue }, [OnnxNames.Probability]);
                return outputs[0].GetTensorDataAsSpan<float>()[0];
            }
            Check(expected, Call());
            return () => Call();
        }, w.ModelFlops(training: false));
    }

    /// <summary>W4's shapes (vocab 5000, embedding 64, h128, batch 32, 80 steps, or the first steps of each sequence),
    /// PyTorch-initialised weights, forward only.</summary>
    private static Pair BatchForward(Architecture architecture, int steps = 0)
    {
        var w = Workloads.Create("W4").Single(x => x.Architecture == architecture);
        if (steps > 0)
        {
            int all = w.Steps;
            w = w with { Steps = steps, Tokens = Enumerable.Range(0, w.Batch).SelectMany(b => w.Tokens.Skip(b * all).Take(steps)).ToArray() };
        }
        var network = new RecurrentNetwork(architecture, w.VocabularySize, w.EmbeddingSize, w.HiddenSize, layers: 1, outputSize: 1);
        network.Initialize(new Rng(1));
        string[] vocabulary = ["<pad>", "<unk>", .. Enumerable.Range(2, w.VocabularySize - 2).Select(i => $"w{i}")];
        var config = new ModelConfig
        {
            Task = TaskKind.Sentiment, Architecture = architecture, VocabularySize = w.VocabularySize, EmbeddingSize = w.EmbeddingSize,
            HiddenSize = w.HiddenSize, Layers = 1, OutputSize = 1, Vocabulary = vocabulary,
            Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { EmbeddingSize = w.EmbeddingSize, HiddenSize = w.HiddenSize },
        };
        var model = RnnModel.FromSafetensors(ModelSerializer.Write(config, network));
        var lengths = Enumerable.Repeat(w.Steps, w.Batch).ToArray();
        var probabilities = new float[w.Batch];
        network.ClassifierLoss(w.Tokens, w.Steps, w.Batch, lengths, default, backward: false, probabilities);
        var expected = probabilities.ToArray();
        var tokens = Array.ConvertAll(w.Tokens, id => (long)id);
        return new Pair(() => network.ClassifierLoss(w.Tokens, w.Steps, w.Batch, lengths, default, backward: false, probabilities),
            OnnxExporter.Export(model), session =>
            {
                var tokenValue = OrtValue.CreateTensorValueFromMemory(tokens, [w.Batch, w.Steps]);
                var lengthValue = OrtValue.CreateTensorValueFromMemory(lengths, [w.Batch]);
                var inputs = new Dictionary<string, OrtValue> { [OnnxNames.Tokens] = tokenValue, [OnnxNames.Lengths] = lengthValue };
                var runOptions = new RunOptions();
                string[] outputNames = [OnnxNames.Probability];
                using (var outputs = session.Run(runOptions, inputs, outputNames))
                    for (int i = 0; i < w.Batch; i++) Check(expected[i], outputs[0].GetTensorDataAsSpan<float>()[i]);
                return () => { using var outputs = session.Run(runOptions, inputs, outputNames); };
            }, w.ModelFlops(training: false));
    }

    /// <summary>W5b: sampling 200 characters with the state fed back each call; the same seed gives the engine's text.</summary>
    private static Pair Generate()
    {
        var w = Workloads.Create("W5b").Single();
        var model = (CharLanguageModel)w.CreateModel!();
        var options = new GenerationOptions { Prompt = w.Text, MaxLength = w.GenerateLength, Temperature = w.Temperature, Seed = 7 };
        string expected = model.Generate(options)[0];
        var tokenizer = new CharTokenizer(model.Config.Vocabulary);
        var allowed = Enumerable.Range(0, tokenizer.Count).Select(i => !w.Disallowed.Contains(i)).ToArray();
        return new Pair(() => model.Generate(options), OnnxExporter.Export(model), session =>
        {
            string Call()
            {
                var sampler = new TokenSampler(tokenizer.Count);
                var rng = new Rng(options.Seed);
                var text = new System.Text.StringBuilder(w.Text);
                var token = new long[] { tokenizer.Encode(w.Text)[0] };
                using var tokenValue = OrtValue.CreateTensorValueFromMemory(token, [1, 1]);
                using var runOptions = new RunOptions();
                string[] outputNames = [OnnxNames.Logits, OnnxNames.FinalHidden, OnnxNames.FinalCell];
                var inputs = new Dictionary<string, OrtValue> { [OnnxNames.Tokens] = tokenValue };
                IDisposableReadOnlyCollection<OrtValue>? previous = null;
                try
                {
                    for (int step = 0; step < options.MaxLength; step++)
                    {
                        var outputs = session.Run(runOptions, inputs, outputNames);   // the first call starts from the default zero state
                        previous?.Dispose();
                        previous = outputs;
                        int id = sampler.Sample(outputs[0].GetTensorDataAsSpan<float>(), allowed, options.Temperature, options.TopK, options.TopP, rng);
                        text.Append(tokenizer.TokenText(id));
                        token[0] = id;   // tokenValue wraps this array
                        inputs[OnnxNames.InitialHidden] = outputs[1];
                        inputs[OnnxNames.InitialCell] = outputs[2];
                    }
                }
                finally { previous?.Dispose(); }
                return text.ToString();
            }
            string actual = Call();
            if (actual != expected) throw new InvalidOperationException($"ONNX Runtime generated \"{actual}\", the engine \"{expected}\".");
            return () => Call();
        }, w.ModelFlops(training: false));
    }

    private static void Check(float expected, float actual)
    {
        if (!(MathF.Abs(expected - actual) <= 1e-5f))
            throw new InvalidOperationException($"ONNX Runtime gave {actual}, the engine {expected}.");
    }
}
