using RnnService.Engine.Models;

namespace RnnService.Engine.Onnx;

/// <summary>
/// PyTorch and ONNX stack the gate blocks of a recurrent weight in different orders:
///   LSTM  PyTorch i, f, g, o  →  ONNX i, o, f, c (c is PyTorch's g)
///   GRU   PyTorch r, z, n     →  ONNX z, r, h (h is PyTorch's n)
///   RNN   one block, nothing to move.
/// The rows are moved, not reinterpreted: each ONNX block is a copy of the matching PyTorch block.
/// </summary>
internal static class OnnxGateOrder
{
    /// <summary>For each ONNX gate block, the index of the PyTorch block it is copied from.</summary>
    public static int[] SourceBlocks(Architecture architecture) => architecture switch
    {
        Architecture.Lstm => [0, 3, 1, 2],
        Architecture.Gru => [1, 0, 2],
        Architecture.Rnn => [0],
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>
    /// Copies a PyTorch-ordered tensor of G blocks (each rowsPerBlock × columns, row-major; a bias
    /// has columns = 1) into ONNX order.
    /// </summary>
    public static void Reorder(Architecture architecture, ReadOnlySpan<float> pytorch, int rowsPerBlock, int columns, Span<float> onnx)
    {
        var source = SourceBlocks(architecture);
        int block = rowsPerBlock * columns;
        if (pytorch.Length != source.Length * block || onnx.Length != pytorch.Length)
            throw new ArgumentException($"Expected {source.Length} gate blocks of {block} values.", nameof(pytorch));
        for (int g = 0; g < source.Length; g++)
            pytorch.Slice(source[g] * block, block).CopyTo(onnx.Slice(g * block, block));
    }
}
