// RowOps, the per-row adds, scales and maxima of the training loops: the same values as TensorPrimitives (every
// element one exact operation) at every length around the vector widths, in place and not, and a NaN reaches the max.
using System.Numerics.Tensors;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class RowOpsTests
{
    public static TheoryData<int> Lengths() => [0, 1, 7, 8, 9, 15, 16, 17, 24, 25, 31, 33, 100];

    private static float[] Row(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddGivesTensorPrimitivesBitsIntoAFreshRowAndInPlace(int n)
    {
        var rng = new Random(n + 1);
        float[] x = Row(rng, n), y = Row(rng, n), expected = new float[n];
        TensorPrimitives.Add(x, y, expected);

        var fresh = new float[n + 1];
        fresh[n] = 99f;
        RowOps.Add(x, y, fresh);
        Assert.Equal(expected, fresh[..n]);
        Assert.Equal(99f, fresh[n]);   // nothing written past the rows

        var inPlace = (float[])x.Clone();
        RowOps.Add(inPlace, y, inPlace);
        Assert.Equal(expected, inPlace);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MultiplyGivesTensorPrimitivesBits(int n)
    {
        var rng = new Random(n + 2);
        float[] x = Row(rng, n), expected = new float[n];
        TensorPrimitives.Multiply(x, 1f / 3, expected);
        RowOps.Multiply(x, 1f / 3, x);
        Assert.Equal(expected, x);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MaxIsTheLargestElementWhereverItSits(int n)
    {
        if (n == 0) return;
        var rng = new Random(n + 3);
        for (int at = 0; at < n; at++)
        {
            var x = Row(rng, n);
            x[at] = 5f;
            Assert.Equal(TensorPrimitives.Max(x), RowOps.Max(x));
            Assert.Equal(5f, RowOps.Max(x));
        }
    }

    [Fact]
    public void MaxIsNaNWhenAnyElementIsNaN()
    {
        Assert.True(float.IsNaN(RowOps.Max([float.NaN, 1f, 2f])));
        Assert.True(float.IsNaN(RowOps.Max([1f, float.NaN, 2f])));
        Assert.True(float.IsNaN(RowOps.Max([3f, 1f, float.NaN])));
        Assert.Equal(float.NegativeInfinity, RowOps.Max([float.NegativeInfinity]));
    }

    [Fact]
    public void MismatchedOrEmptyRowsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => RowOps.Add(new float[4], new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => RowOps.Add(new float[4], new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => RowOps.Multiply(new float[4], 2f, new float[3]));
        Assert.Throws<ArgumentException>(() => RowOps.Max([]));
    }
}
