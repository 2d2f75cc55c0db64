using System.Text.Json;
using RnnService.Engine.Models;

namespace RnnService.Engine.Onnx;

/// <summary>
/// Writes a whole model as an ONNX graph (opset 14) that ONNX Runtime and other runtimes load:
///   tokens [B, T] → Transpose → Gather(embedding) [T, B, E] → one LSTM/GRU/RNN op per layer
///   (each output [T, 1, B, H] squeezed to [T, B, H] for the next) → head.
/// Sentiment: the top layer's final state (the op honours per-sequence lengths, so it is the state at
/// each sequence's last real token), or for mean/max pooling its outputs over each sequence's real steps
/// (a mask from the lengths; ReduceSum ÷ length or ReduceMax over time) → Gemm → Sigmoid → probability [B].
/// Char models: every step's top output → MatMul + Add → logits [B, T, V]; initial states are optional
/// inputs and final states outputs, so a client can generate one token per call.
/// Config and vocabulary travel in metadata_props. Tokenising text is left to the client.
/// </summary>
public static class OnnxExporter
{
    /// <exception cref="NotSupportedException">A bidirectional model (see <see cref="Unsupported"/>).</exception>
    public static byte[] Export(RnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Export(model.Config, model.Network);
    }

    /// <summary>Why this model has no ONNX graph here, or null when it can be exported.</summary>
    public static string? Unsupported(ModelConfig config) =>
        config.Hyperparameters.Bidirectional ? "Bidirectional layers are not exported to ONNX yet." : null;

    internal static byte[] Export(ModelConfig config, RecurrentNetwork network)
    {
        if (Unsupported(config) is { } reason) throw new NotSupportedException(reason);
        bool sentiment = config.Task == TaskKind.Sentiment;
        var pooling = sentiment ? network.Pooling : Pooling.Last;
        var graph = new OnnxGraph();
        graph.Inputs.Add(new(OnnxNames.Tokens, OnnxElementType.Int64, ["batch", "sequence"], "Token ids, batch-first; padding id 0."));
        string lengths = "";
        if (sentiment)
        {
            lengths = OnnxNames.Lengths;
            graph.Inputs.Add(new(lengths, OnnxElementType.Int32, ["batch"], "Real length of each sequence, 1..sequence."));
        }

        var tokensTimeMajor = graph.Add("Transpose", [OnnxNames.Tokens], "tokens_time_major", new OnnxAttribute("perm", Ints: [1, 0]));
        var input = graph.Add("Gather", [Weight(graph, network, "embedding.weight"), tokensTimeMajor], "embedded", new OnnxAttribute("axis", Int: 0));

        var (h0, c0) = sentiment ? (null, null) : InitialStates(graph, network);
        var finalH = new string[network.LayerCount];
        var finalC = new string[network.LayerCount];
        for (int l = 0; l < network.LayerCount; l++)
        {
            bool top = l == network.LayerCount - 1;
            var (y, hT, cT) = RecurrentOp(graph, network, l, input, lengths, h0?[l] ?? "", c0?[l] ?? "", needSequence: !(top && sentiment && pooling == Pooling.Last));
            finalH[l] = hT;
            finalC[l] = cT;
            if (y.Length > 0) input = graph.Add("Squeeze", [y, graph.Int64s($"layer{l}_squeeze_axes", 1)], $"layer{l}_output");
        }

        if (sentiment)
        {
            var features = pooling == Pooling.Last
                ? graph.Add("Squeeze", [finalH[^1], graph.Int64s("direction_axis", 0)], "last_hidden")   // [B, H]
                : Pool(graph, input, lengths, pooling);
            SentimentHead(graph, network, features);
        }
        else CharHead(graph, network, input, finalH, finalC);

        var metadata = new Dictionary<string, string>
        {
            [OnnxNames.ConfigMetadata] = config.ToJson(),
            [OnnxNames.VocabularyMetadata] = JsonSerializer.Serialize(config.Vocabulary, ModelConfig.JsonOptions),
            [OnnxNames.TaskMetadata] = sentiment ? "sentiment" : "charlm",
        };
        var doc = sentiment
            ? "Sentiment classifier: tokens [batch, sequence] int64 and lengths [batch] int32 in, probability [batch] (of positive) out."
            : "Character language model: tokens [batch, sequence] int64 (optional initial_h/initial_c [layers, batch, hidden]) in; " +
              "logits [batch, sequence, vocabulary] and final_h/final_c out.";
        return OnnxModelWriter.Write(graph, sentiment ? "sentiment" : "charlm", doc, metadata);
    }

    /// <summary>A weight stored under its state_dict name, with its state_dict shape.</summary>
    private static string Weight(OnnxGraph graph, RecurrentNetwork network, string name)
    {
        var p = network.Parameters;
        var slice = p[name];
        return graph.Constant(OnnxTensor.Floats(name, slice.Shape.Select(d => (long)d).ToArray(), p.Value(slice)));
    }

    /// <summary>
    /// Optional state inputs: a graph input that also has an initializer is a default a caller may
    /// override. The default is zeros [L, 1, H], expanded to [L, B, H]; a fed [L, B, H] passes unchanged.
    /// Returns one [1, B, H] state per layer.
    /// </summary>
    private static (string[] H, string[]? C) InitialStates(OnnxGraph graph, RecurrentNetwork network)
    {
        int layers = network.LayerCount, hidden = network.HiddenSize;
        var batch = graph.Add("Gather", [graph.Add("Shape", [OnnxNames.Tokens], "tokens_shape"), graph.Int64s("batch_axis", 0)], "batch_size",
            new OnnxAttribute("axis", Int: 0));
        var stateShape = graph.Add("Concat", [graph.Int64s("state_layers", layers), batch, graph.Int64s("state_hidden", hidden)], "state_shape",
            new OnnxAttribute("axis", Int: 0));
        string[] PerLayer(string name, string doc)
        {
            graph.Inputs.Add(new(name, OnnxElementType.Float, [layers, "batch", hidden], doc));
            graph.Constant(OnnxTensor.Floats(name, [layers, 1, hidden], new float[layers * hidden]));
            var full = graph.Add("Expand", [name, stateShape], $"{name}_expanded");
            if (layers == 1) return [full];
            var parts = Enumerable.Range(0, layers).Select(l => $"{name}_l{l}").ToArray();
            graph.Add("Split", [full], parts, new OnnxAttribute("axis", Int: 0));
            return parts;
        }
        var h = PerLayer(OnnxNames.InitialHidden, "Start hidden state per layer; zeros when not fed.");
        var c = network.HasCellState ? PerLayer(OnnxNames.InitialCell, "Start cell state per layer; zeros when not fed.") : null;
        return (h, c);
    }

    /// <summary>
    /// One ONNX LSTM/GRU/RNN op for layer l, weights moved into ONNX gate order:
    /// W [1, G·H, I], R [1, G·H, H], B [1, 2·G·H] = (b_ih, b_hh). Returns Y [T, 1, B, H] (empty when
    /// not needed), Y_h and Y_c [1, B, H].
    /// </summary>
    private static (string Y, string H, string C) RecurrentOp(OnnxGraph graph, RecurrentNetwork network, int l,
        string input, string lengths, string h0, string c0, bool needSequence)
    {
        var layer = network.Layers[l];
        var p = network.Parameters;
        var arch = network.Architecture;
        int gh = layer.Gates * layer.HiddenSize, hidden = layer.HiddenSize;

        var w = new float[gh * layer.InputSize];
        OnnxGateOrder.Reorder(arch, p.Value(layer.WeightIh), hidden, layer.InputSize, w);
        var r = new float[gh * hidden];
        OnnxGateOrder.Reorder(arch, p.Value(layer.WeightHh), hidden, hidden, r);
        var b = new float[2 * gh];
        OnnxGateOrder.Reorder(arch, p.Value(layer.BiasIh), hidden, 1, b.AsSpan(0, gh));
        OnnxGateOrder.Reorder(arch, p.Value(layer.BiasHh), hidden, 1, b.AsSpan(gh, gh));
        var wName = graph.Constant(OnnxTensor.Floats($"rnn.W_l{l}", [1, gh, layer.InputSize], w));
        var rName = graph.Constant(OnnxTensor.Floats($"rnn.R_l{l}", [1, gh, hidden], r));
        var bName = graph.Constant(OnnxTensor.Floats($"rnn.B_l{l}", [1, 2 * gh], b));

        string y = needSequence ? $"layer{l}_y" : "", yh = $"layer{l}_y_h", yc = network.HasCellState ? $"layer{l}_y_c" : "";
        List<string> inputs = [input, wName, rName, bName, lengths];
        if (h0.Length > 0) inputs.Add(h0);
        if (c0.Length > 0) inputs.Add(c0);
        List<OnnxAttribute> attributes = [new("hidden_size", Int: hidden)];
        // PyTorch applies the reset gate to (W_hn h + b_hn): ONNX's linear_before_reset = 1.
        if (arch == Architecture.Gru) attributes.Add(new("linear_before_reset", Int: 1));
        string op = arch switch { Architecture.Lstm => "LSTM", Architecture.Gru => "GRU", _ => "RNN" };
        string[] outputs = network.HasCellState ? [y, yh, yc] : [y, yh];
        graph.Nodes.Add(new OnnxNode(op, [.. inputs], outputs, [.. attributes]));
        return (y, yh, yc);
    }

    /// <summary>
    /// Mean or max of the top layer's outputs [T, B, H] over each sequence's real steps (t &lt; lengths[b]), as the
    /// engine's classifier pools them: padded steps are masked out (−∞ for max, 0 for mean) and a mean divides by
    /// the length. Returns [B, H].
    /// </summary>
    private static string Pool(OnnxGraph graph, string outputs, string lengths, Pooling pooling)
    {
        var steps = graph.Add("Gather", [graph.Add("Shape", [OnnxNames.Tokens], "pool_tokens_shape"),
            graph.Constant(OnnxTensor.Int64s("pool_sequence_axis", [], [1]))], "pool_steps", new OnnxAttribute("axis", Int: 0));   // scalar T
        var time = graph.Add("Range", [graph.Constant(OnnxTensor.Int64s("pool_range_start", [], [0])), steps,
            graph.Constant(OnnxTensor.Int64s("pool_range_delta", [], [1]))], "pool_time");                                        // [T]
        var lengths64 = graph.Add("Cast", [lengths], "pool_lengths_int64", new OnnxAttribute("to", Int: (long)OnnxElementType.Int64));
        var real = graph.Add("Less", [graph.Add("Unsqueeze", [time, graph.Int64s("pool_time_axes", 1)], "pool_time_column"),
            graph.Add("Unsqueeze", [lengths64, graph.Int64s("pool_batch_axes", 0)], "pool_lengths_row")], "pool_real");            // [T, B]
        var mask = graph.Add("Unsqueeze", [real, graph.Int64s("pool_feature_axes", 2)], "pool_mask");                           // [T, B, 1]
        if (pooling == Pooling.Max)
        {
            var masked = graph.Add("Where", [mask, outputs, graph.Constant(OnnxTensor.Floats("pool_minus_infinity", [], [float.NegativeInfinity]))],
                "pool_masked");
            return graph.Add("ReduceMax", [masked], "pooled", new OnnxAttribute("axes", Ints: [0]), new OnnxAttribute("keepdims", Int: 0));
        }
        var zeroed = graph.Add("Where", [mask, outputs, graph.Constant(OnnxTensor.Floats("pool_zero", [], [0f]))], "pool_masked");
        var sum = graph.Add("ReduceSum", [zeroed, graph.Int64s("pool_time_axis", 0)], "pool_sum", new OnnxAttribute("keepdims", Int: 0));  // [B, H]
        var count = graph.Add("Cast", [graph.Add("Unsqueeze", [lengths, graph.Int64s("pool_count_axes", 1)], "pool_lengths_column")],
            "pool_count", new OnnxAttribute("to", Int: (long)OnnxElementType.Float));                                          // [B, 1]
        return graph.Add("Div", [sum, count], "pooled");
    }

    private static void SentimentHead(OnnxGraph graph, RecurrentNetwork network, string features)
    {
        var logit = graph.Add("Gemm", [features, Weight(graph, network, "head.weight"), Weight(graph, network, "head.bias")], "logit",
            new OnnxAttribute("transB", Int: 1));                                                                   // [B, 1]
        var probability = graph.Add("Sigmoid", [logit], "probability_column");
        graph.Add("Squeeze", [probability, graph.Int64s("column_axis", 1)], OnnxNames.Probability);
        graph.Outputs.Add(new(OnnxNames.Probability, OnnxElementType.Float, ["batch"], "P(positive) per sequence."));
    }

    private static void CharHead(OnnxGraph graph, RecurrentNetwork network, string top, string[] finalH, string[] finalC)
    {
        int layers = network.LayerCount, hidden = network.HiddenSize, vocabulary = network.OutputSize;
        var batchFirst = graph.Add("Transpose", [top], "top_batch_first", new OnnxAttribute("perm", Ints: [1, 0, 2]));  // [B, T, H]
        var p = network.Parameters;
        var head = network.Head;
        var weightT = new float[hidden * vocabulary];   // head.weight [V, H] transposed to [H, V] for MatMul
        var weight = p.Value(head.Weight);
        for (int v = 0; v < vocabulary; v++)
            for (int k = 0; k < hidden; k++) weightT[k * vocabulary + v] = weight[v * hidden + k];
        var weightName = graph.Constant(OnnxTensor.Floats("head.weight_transposed", [hidden, vocabulary], weightT));
        var product = graph.Add("MatMul", [batchFirst, weightName], "head_product");
        graph.Add("Add", [product, Weight(graph, network, "head.bias")], OnnxNames.Logits);
        graph.Outputs.Add(new(OnnxNames.Logits, OnnxElementType.Float, ["batch", "sequence", vocabulary], "Next-token logits after each position."));

        graph.Add("Concat", finalH, OnnxNames.FinalHidden, new OnnxAttribute("axis", Int: 0));
        graph.Outputs.Add(new(OnnxNames.FinalHidden, OnnxElementType.Float, [layers, "batch", hidden], "Hidden state after the last position."));
        if (network.HasCellState)
        {
            graph.Add("Concat", finalC, OnnxNames.FinalCell, new OnnxAttribute("axis", Int: 0));
            graph.Outputs.Add(new(OnnxNames.FinalCell, OnnxElementType.Float, [layers, "batch", hidden], "Cell state after the last position."));
        }
    }
}
