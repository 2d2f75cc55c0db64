// The weight gradients of a long batch are formed transposed and added into the gradients by
// MatrixTranspose.AddTransposed (RecurrentLayer.Backward): 8 × 8 blocks transposed in registers where the machine has
// AVX, element by element for the rows and columns left over. Each element must get exactly one add, dst + src, with the bits of the plain loop, and
// nothing outside dst may change.
using RnnService.Engine.Kernels;
using static RnnService.Engine.Tests.Kernels.KernelTestValues;

namespace RnnService.Engine.Tests.Kernels;

public class AddTransposedTests
{
    [Theory]
    [InlineData(8, 8)]      // one block
    [InlineData(19, 37)]    // 2 × 4 blocks, 3 rows and 5 columns left over
    [InlineData(3, 4)]      // no block (the golden long batch's I and H)
    [InlineData(64, 512)]   // W4's dW_ihᵀ
    [InlineData(9, 16)]     // one row left over under full blocks
    public void EveryElementGetsOneAddWithThePlainLoopsBits(int rows, int cols)
    {
        var rng = new Random(rows * 100 + cols);
        float[] src = Random(rng, rows * cols);
        float[] dst = [.. Random(rng, rows * cols), 7f, 7f];   // two floats past dst that must stay 7
        float[] expected = (float[])dst.Clone();
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < rows; r++) expected[c * rows + r] = dst[c * rows + r] + src[r * cols + c];

        MatrixTranspose.AddTransposed(src, rows, cols, dst.AsSpan(0, rows * cols));

        Assert.Equal(expected, dst);
    }

    [Fact]
    public void ShortSpansAreRefused()
    {
        Assert.ThrowsAny<ArgumentException>(() => MatrixTranspose.AddTransposed(new float[63], 8, 8, new float[64]));
        Assert.ThrowsAny<ArgumentException>(() => MatrixTranspose.AddTransposed(new float[64], 8, 8, new float[63]));
    }
}
