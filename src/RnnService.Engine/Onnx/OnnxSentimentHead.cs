using RnnService.Engine.Models;

namespace RnnService.Engine.Onnx;

/// <summary>
/// The classifier's end of the graph: the top layer pooled as the network's <see cref="Pooling"/> says, over each
/// sequence's real steps only (as the engine's Pool), → Gemm → Sigmoid → probability [B].
/// </summary>
internal static class OnnxSentimentHead
{
    /// <summary>topSequence: the top layer's output [T, B, D·H] (empty for Last); topFinalHidden: its Y_h [D, B, H].</summary>
    public static void Add(OnnxGraph graph, RecurrentNetwork network, string topSequence, string topFinalHidden)
    {
        var pooled = network.Pooling switch
        {
            Pooling.Last => Last(graph, network, topFinalHidden),
            Pooling.Mean => Mean(graph, topSequence),
            _ => Max(graph, topSequence),
        };                                                                                                          // [B, D·H]
        var logit = graph.Add("Gemm", [pooled, OnnxExporter.Weight(graph, network, "head.weight"), OnnxExporter.Weight(graph, network, "head.bias")],
            "logit", new OnnxAttribute("transB", Int: 1));                                                          // [B, 1]
        var probability = graph.Add("Sigmoid", [logit], "probability_column");
        graph.Add("Squeeze", [probability, graph.Int64s("column_axis", 1)], OnnxNames.Probability);
        graph.Outputs.Add(new(OnnxNames.Probability, OnnxElementType.Float, ["batch"], "P(positive) per sequence."));
    }

    /// <summary>
    /// Y_h [D, B, H] → [B, D·H]. With sequence_lens, Y_h holds each sequence's forward state at its last real token
    /// and the backward state after reading its first token: PyTorch's cat(h_n[-2], h_n[-1]).
    /// </summary>
    private static string Last(OnnxGraph graph, RecurrentNetwork network, string finalHidden)
    {
        if (network.Directions == 1) return graph.Add("Squeeze", [finalHidden, graph.Int64s("direction_axis", 0)], "pooled");
        var batchOuter = graph.Add("Transpose", [finalHidden], "final_hidden_batch_outer", new OnnxAttribute("perm", Ints: [1, 0, 2]));
        return graph.Add("Reshape", [batchOuter, graph.Int64s("pooled_shape", 0, -1)], "pooled");
    }

    /// <summary>Sum over the real steps divided by the length. The mask, not the op's zeros past a length, keeps padding out.</summary>
    private static string Mean(OnnxGraph graph, string y)
    {
        var mask = graph.Add("Cast", [RealSteps(graph)], "real_step_weights", new OnnxAttribute("to", Int: (long)OnnxElementType.Float));
        var masked = graph.Add("Mul", [y, mask], "masked_outputs");
        var sum = graph.Add("ReduceSum", [masked, graph.Int64s("time_axis", 0)], "output_sum", new OnnxAttribute("keepdims", Int: 0));   // [B, F]
        var lengths = graph.Add("Cast", [OnnxNames.Lengths], "lengths_float", new OnnxAttribute("to", Int: (long)OnnxElementType.Float));
        var column = graph.Add("Unsqueeze", [lengths, graph.Int64s("lengths_column_axis", 1)], "lengths_column");                     // [B, 1]
        return graph.Add("Div", [sum, column], "pooled");
    }

    /// <summary>
    /// Element-wise maximum over the real steps: padded steps become the lowest float first, so a real step (every
    /// sequence has one) always wins, whatever the op emits past a length.
    /// </summary>
    private static string Max(OnnxGraph graph, string y)
    {
        var masked = graph.Add("Where", [RealSteps(graph), y, graph.FloatScalar("padding_floor", float.MinValue)], "masked_outputs");
        // ReduceMax still takes its axes as an attribute at opset 14 (an input only from opset 18).
        return graph.Add("ReduceMax", [masked], "pooled", new OnnxAttribute("axes", Ints: [0]), new OnnxAttribute("keepdims", Int: 0));
    }

    /// <summary>bool [T, B, 1]: step t of sequence b is real when t &lt; lengths[b].</summary>
    private static string RealSteps(OnnxGraph graph)
    {
        var shape = graph.Add("Shape", [OnnxNames.Tokens], "pool_tokens_shape");
        var steps = graph.Add("Gather", [shape, graph.Int64Scalar("sequence_axis", 1)], "sequence_steps", new OnnxAttribute("axis", Int: 0));  // scalar T
        var positions = graph.Add("Range", [graph.Int64Scalar("range_start", 0), steps, graph.Int64Scalar("range_delta", 1)], "step_positions"); // [T]
        var column = graph.Add("Unsqueeze", [positions, graph.Int64s("positions_column_axis", 1)], "step_column");                              // [T, 1]
        var lengths = graph.Add("Cast", [OnnxNames.Lengths], "lengths_int64", new OnnxAttribute("to", Int: (long)OnnxElementType.Int64));
        var row = graph.Add("Unsqueeze", [lengths, graph.Int64s("lengths_row_axis", 0)], "lengths_row");                                        // [1, B]
        var real = graph.Add("Less", [column, row], "real_steps");                                                                              // [T, B]
        return graph.Add("Unsqueeze", [real, graph.Int64s("feature_axis", 2)], "real_step_mask");
    }
}
