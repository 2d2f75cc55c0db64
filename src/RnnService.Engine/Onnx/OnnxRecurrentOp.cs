using RnnService.Engine.Models;

namespace RnnService.Engine.Onnx;

/// <summary>
/// One ONNX LSTM/GRU/RNN op per recurrent layer. A bidirectional layer is one op with
/// direction = "bidirectional": its weights stack the forward (PyTorch ..._l{k}) and backward (..._l{k}_reverse)
/// directions on a leading axis, and with sequence_lens the backward direction starts at each sequence's last real
/// token, as PyTorch's packed sequences and the engine do.
/// </summary>
internal static class OnnxRecurrentOp
{
    /// <summary>
    /// Layer l, weights moved into ONNX gate order: W [D, G·H, I], R [D, G·H, H], B [D, 2·G·H] = (b_ih, b_hh) per
    /// direction. Returns Y [T, D, B, H] (empty when not needed), Y_h and Y_c [D, B, H] (Y_c empty without a cell).
    /// </summary>
    public static (string Y, string H, string C) Add(OnnxGraph graph, RecurrentNetwork network, int l,
        string input, string lengths, string h0, string c0, bool needSequence)
    {
        var p = network.Parameters;
        var arch = network.Architecture;
        int directions = network.Directions;
        var first = network.Layers[l * directions];
        int hidden = first.HiddenSize, inputSize = first.InputSize, gh = first.Gates * hidden;

        var w = new float[directions * gh * inputSize];
        var r = new float[directions * gh * hidden];
        var b = new float[directions * 2 * gh];
        for (int d = 0; d < directions; d++)
        {
            var layer = network.Layers[l * directions + d];
            OnnxGateOrder.Reorder(arch, p.Value(layer.WeightIh), hidden, inputSize, w.AsSpan(d * gh * inputSize, gh * inputSize));
            OnnxGateOrder.Reorder(arch, p.Value(layer.WeightHh), hidden, hidden, r.AsSpan(d * gh * hidden, gh * hidden));
            OnnxGateOrder.Reorder(arch, p.Value(layer.BiasIh), hidden, 1, b.AsSpan(d * 2 * gh, gh));
            OnnxGateOrder.Reorder(arch, p.Value(layer.BiasHh), hidden, 1, b.AsSpan(d * 2 * gh + gh, gh));
        }
        var wName = graph.Constant(OnnxTensor.Floats($"rnn.W_l{l}", [directions, gh, inputSize], w));
        var rName = graph.Constant(OnnxTensor.Floats($"rnn.R_l{l}", [directions, gh, hidden], r));
        var bName = graph.Constant(OnnxTensor.Floats($"rnn.B_l{l}", [directions, 2 * gh], b));

        string y = needSequence ? $"layer{l}_y" : "", yh = $"layer{l}_y_h", yc = network.HasCellState ? $"layer{l}_y_c" : "";
        List<string> inputs = [input, wName, rName, bName, lengths];
        if (h0.Length > 0) inputs.Add(h0);
        if (c0.Length > 0) inputs.Add(c0);
        List<OnnxAttribute> attributes = [new("hidden_size", Int: hidden)];
        if (directions == 2) attributes.Add(new("direction", String: "bidirectional"));
        // PyTorch applies the reset gate to (W_hn h + b_hn): ONNX's linear_before_reset = 1.
        if (arch == Architecture.Gru) attributes.Add(new("linear_before_reset", Int: 1));
        string op = arch switch { Architecture.Lstm => "LSTM", Architecture.Gru => "GRU", _ => "RNN" };
        string[] outputs = network.HasCellState ? [y, yh, yc] : [y, yh];
        graph.Nodes.Add(new OnnxNode(op, [.. inputs], outputs, [.. attributes]));
        return (y, yh, yc);
    }

    /// <summary>
    /// Y [T, D, B, H] → [T, B, D·H], the engine's layer output ([forward, backward] side by side), which the next
    /// layer and the pooling read.
    /// </summary>
    public static string Features(OnnxGraph graph, RecurrentNetwork network, int l, string y)
    {
        if (network.Directions == 1) return graph.Add("Squeeze", [y, graph.Int64s($"layer{l}_squeeze_axes", 1)], $"layer{l}_output");
        var directionsInner = graph.Add("Transpose", [y], $"layer{l}_y_batch_outer", new OnnxAttribute("perm", Ints: [0, 2, 1, 3]));
        // Reshape's 0 keeps that dimension (T, B) as it is; -1 joins the directions: [T, B, D·H].
        return graph.Add("Reshape", [directionsInner, graph.Int64s($"layer{l}_features_shape", 0, 0, -1)], $"layer{l}_output");
    }
}
