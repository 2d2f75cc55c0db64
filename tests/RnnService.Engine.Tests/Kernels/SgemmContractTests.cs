// What Sgemm promises about its arguments besides the product (SgemmTests checks the product): negative shapes and a
// missing packed operand are rejected naming the argument, and a span is long enough exactly when it reaches the
// last element of its last row, (rows − 1)·ld + cols floats, not rows·ld (a matrix cut out of a bigger one ends
// there), a packed matrix has one panel per 32 columns started and no size that wraps around, and the engine's thread
// count keeps what it is set to. Found by mutation testing (docs/testing.md).
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmContractTests
{
    [Theory]
    [InlineData(-1, 2, 2, "m")]
    [InlineData(2, -1, 2, "n")]
    [InlineData(2, 2, -1, "k")]
    public void ANegativeDimensionIsRejectedNamingIt(int m, int n, int k, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Sgemm.Multiply(false, false, m, n, k, new float[16], 4, new float[16], 4, new float[16], 4, accumulate: false));
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void ThePackedEntryPointRejectsANegativeRowCountOrNoPackedMatrix()
    {
        var packed = new PackedMatrix(2, 2);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(-1, new float[4], 2, packed, new float[4], 2, false)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentNullException>(() => Sgemm.Multiply(1, new float[2], 2, null!, new float[2], 2, false)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(0, 2)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(2, 0)).ParamName);
    }

    [Fact]
    public void APackedMatrixHoldsOnePanelPer32ColumnsStartedAndRejectsASizeBeyondAnArray()
    {
        Assert.Equal((1, 3 * 32), (new PackedMatrix(3, 32).Panels, new PackedMatrix(3, 32).Data.Length));
        Assert.Equal((2, 3 * 64), (new PackedMatrix(3, 33).Panels, new PackedMatrix(3, 33).Data.Length));
        // 2048 panels of 2^20 × 32 floats: 2^36, which must not wrap around to a small array.
        Assert.Throws<OverflowException>(() => new PackedMatrix(1 << 20, 1 << 16));
    }

    [Fact]
    public void SpansEndingAtTheLastElementOfTheLastRowAreLongEnoughAndOneFloatLessIsNot()
    {
        // A [2, 3] · [3, 2] product with every stride one wider than its rows: A needs 4 + 3, B 3 + 2, C 3 + 2 floats.
        float[] a = [1, 2, 3, 0, 4, 5, 6], b = [1, 2, 0, 3, 4, 0, 5, 6], c = new float[5];
        Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b, 3, c, 3, accumulate: false);
        Assert.Equal([22f, 28, 0, 49, 64], c);   // C[0, :] = [1·1 + 2·3 + 3·5, 1·2 + 2·4 + 3·6], C[1, :] = [4 + 15 + 30, 8 + 20 + 36]

        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a[..6], 4, b, 3, c, 3, false)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b[..7], 3, c, 3, false)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 4, b, 3, c[..4], 3, false)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 3, a, 2, b, 3, c, 3, false)).ParamName);
    }

    [Fact]
    public void TheEngineThreadCountKeepsTheValueItIsSet()
    {
        // One thread changes only the speed of the GEMMs other tests run meanwhile, never their bits.
        int saved = EngineThreads.Count;
        try
        {
            EngineThreads.Count = 1;
            Assert.Equal(1, EngineThreads.Count);
        }
        finally { EngineThreads.Count = saved; }
        Assert.Equal(saved, EngineThreads.Count);
    }
}
