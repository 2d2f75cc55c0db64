using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmTests
{
    [Fact]
    public void NaiveMultiplyComputesTwoByTwoProduct()
    {
        float[] a = [1, 2, 3, 4];
        float[] b = [5, 6, 7, 8];
        var c = new float[4];
        SgemmNaive.Multiply(false, false, 2, 2, 2, a, 2, b, 2, c, 2, accumulate: false);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }
}
