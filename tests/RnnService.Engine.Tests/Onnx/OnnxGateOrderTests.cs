using RnnService.Engine.Models;
using RnnService.Engine.Onnx;

namespace RnnService.Engine.Tests.Onnx;

public class OnnxGateOrderTests
{
    [Theory]
    [InlineData(Architecture.Lstm, new[] { 0, 3, 1, 2 })]   // i f g o → i o f c
    [InlineData(Architecture.Gru, new[] { 1, 0, 2 })]       // r z n → z r h
    [InlineData(Architecture.Rnn, new[] { 0 })]
    public void ReorderCopiesWholeGateBlocksIntoOnnxOrder(Architecture architecture, int[] sourceBlocks)
    {
        const int rows = 2, columns = 3, block = rows * columns;
        int gates = sourceBlocks.Length;
        // Value = 100 · gate + position inside the block, so every moved value names where it came from.
        var pytorch = new float[gates * block];
        for (int g = 0; g < gates; g++)
            for (int k = 0; k < block; k++) pytorch[g * block + k] = 100 * g + k;
        var onnx = new float[pytorch.Length];

        OnnxGateOrder.Reorder(architecture, pytorch, rows, columns, onnx);

        for (int g = 0; g < gates; g++)
            for (int k = 0; k < block; k++) Assert.Equal(100 * sourceBlocks[g] + k, onnx[g * block + k]);
    }

    [Fact]
    public void ReorderRejectsATensorThatIsNotWholeGateBlocks()
    {
        var ex = Assert.Throws<ArgumentException>(() => OnnxGateOrder.Reorder(Architecture.Lstm, new float[12], 2, 2, new float[12]));
        Assert.Contains("4 gate blocks", ex.Message);
    }
}
