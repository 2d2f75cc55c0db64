using System.Text.Json;
using RnnService.Engine.Models;

namespace RnnService.Engine.Onnx;

/// <summary>
/// Writes a whole model as an ONNX graph (opset 14) that ONNX Runtime and other runtimes load:
///   tokens [B, T] → Transpose → Gather(embedding) [T, B, E] → one LSTM/GRU/RNN op per layer, bidirectional
///   when the model is (each output [T, D, B, H] laid out as [T, B, D·H] for the next) → head.
/// Sentiment: the ops honour per-sequence lengths; the top layer pooled over each sequence's real steps
/// (last state, mean or max, <see cref="OnnxSentimentHead"/>) → Gemm → Sigmoid → probability [B].
/// Char models: every step's top output → MatMul + Add → logits [B, T, V]; initial states are optional
/// inputs and final states outputs, so a client can generate one token per call.
/// Config and vocabulary travel in metadata_props. Tokenising text is left to the client.
/// A model over pretrained embeddings gathers from its own rows followed by the whole table's (int8 initializer
/// "pretrained_embeddings_int8" dequantised per row into "pretrained_embeddings", words in metadata
/// "pretrained_words"): id V + r is table row r, as in the service.
/// </summary>
public static class OnnxExporter
{
    public static byte[] Export(RnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Export(model.Config, model.Network);
    }

    internal static byte[] Export(ModelConfig config, RecurrentNetwork network)
    {
        bool sentiment = config.Task == TaskKind.Sentiment;
        // Hyperparameters and the network already refuse this; the char graph's state inputs assume one direction.
        if (!sentiment && network.Bidirectional) throw new ArgumentException("A char model cannot be bidirectional.", nameof(network));
        var graph = new OnnxGraph();
        graph.Inputs.Add(new(OnnxNames.Tokens, OnnxElementType.Int64, ["batch", "sequence"], "Token ids, batch-first; padding id 0."));
        string lengths = "";
        if (sentiment)
        {
            lengths = OnnxNames.Lengths;
            graph.Inputs.Add(new(lengths, OnnxElementType.Int32, ["batch"], "Real length of each sequence, 1..sequence."));
        }

        var tokensTimeMajor = graph.Add("Transpose", [OnnxNames.Tokens], "tokens_time_major", new OnnxAttribute("perm", Ints: [1, 0]));
        var input = graph.Add("Gather", [EmbeddingTable(graph, network), tokensTimeMajor], "embedded", new OnnxAttribute("axis", Int: 0));

        var (h0, c0) = sentiment ? (null, null) : InitialStates(graph, network);
        var finalH = new string[network.LayerCount];
        var finalC = new string[network.LayerCount];
        for (int l = 0; l < network.LayerCount; l++)
        {
            // Only a classifier pooling the last state reads nothing but the top layer's final state.
            bool stateOnly = sentiment && l == network.LayerCount - 1 && network.Pooling == Pooling.Last;
            var (y, hT, cT) = OnnxRecurrentOp.Add(graph, network, l, input, lengths, h0?[l] ?? "", c0?[l] ?? "", needSequence: !stateOnly);
            finalH[l] = hT;
            finalC[l] = cT;
            input = stateOnly ? "" : OnnxRecurrentOp.Features(graph, network, l, y);
        }

        if (sentiment) OnnxSentimentHead.Add(graph, network, input, finalH[^1]);
        else CharHead(graph, network, input, finalH, finalC);

        var metadata = new Dictionary<string, string>
        {
            [OnnxNames.ConfigMetadata] = config.ToJson(),
            [OnnxNames.VocabularyMetadata] = JsonSerializer.Serialize(config.Vocabulary, ModelConfig.JsonOptions),
            [OnnxNames.TaskMetadata] = sentiment ? "sentiment" : "charlm",
        };
        if (network.Embedding.Pretrained is { } table)
            metadata[OnnxNames.PretrainedWordsMetadata] = JsonSerializer.Serialize(table.Words, ModelConfig.JsonOptions);
        var doc = sentiment
            ? "Sentiment classifier: tokens [batch, sequence] int64 and lengths [batch] int32 in, probability [batch] (of positive) out."
            : "Character language model: tokens [batch, sequence] int64 (optional initial_h/initial_c [layers, batch, hidden]) in; " +
              "logits [batch, sequence, vocabulary] and final_h/final_c out.";
        return OnnxModelWriter.Write(graph, sentiment ? "sentiment" : "charlm", doc, metadata);
    }

    /// <summary>embedding.weight [V, E], or with pretrained embeddings that and the table's rows concatenated [V + N, E].</summary>
    private static string EmbeddingTable(OnnxGraph graph, RecurrentNetwork network)
    {
        var own = Weight(graph, network, "embedding.weight");
        if (network.Embedding.Pretrained is not { } table) return own;
        // Stored as the engine holds it (int8 rows, a scale each) and dequantised per row, x · scale as the engine
        // computes it: a quarter of float32's size in the file.
        var quantized = graph.Constant(OnnxTensor.Int8s(OnnxNames.PretrainedEmbeddings + "_int8", [table.Count, table.Dimensions], table.QuantizedValues));
        var scales = graph.Constant(OnnxTensor.Floats(OnnxNames.PretrainedEmbeddings + "_scales", [table.Count], table.Scales));
        var pretrained = graph.Add("DequantizeLinear", [quantized, scales], OnnxNames.PretrainedEmbeddings, new OnnxAttribute("axis", Int: 0));
        return graph.Add("Concat", [own, pretrained], "embedding_table", new OnnxAttribute("axis", Int: 0));
    }

    /// <summary>A weight stored under its state_dict name, with its state_dict shape.</summary>
    internal static string Weight(OnnxGraph graph, RecurrentNetwork network, string name)
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
