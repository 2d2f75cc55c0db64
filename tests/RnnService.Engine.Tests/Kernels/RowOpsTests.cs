// RowOps, the per-row adds, scales and maxima of the training loops: TensorPrimitives' bits (every element one exact
// operation) at every length around the vector widths, into a fresh row and in place, +0 above −0 and a NaN reaching the
// max; a destination shifted over a source is refused.
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

        var intoY = (float[])y.Clone();
        RowOps.Add(x, intoY, intoY);
        Assert.Equal(expected, intoY);
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
    public void MaxPrefersPositiveZeroAsTensorPrimitivesDoes()
    {
        foreach (float[] row in new[] { new[] { -0f, 0f }, new[] { 0f, -0f }, new[] { -0f, -1f, 0f, -0f } })
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(TensorPrimitives.Max(row)), BitConverter.SingleToInt32Bits(RowOps.Max(row)));
            Assert.False(float.IsNegative(RowOps.Max(row)));
        }
        Assert.True(float.IsNegative(RowOps.Max([-0f, -1f])));
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

    [Fact]
    public void ADestinationShiftedOverASourceIsRefused()
    {
        var buffer = new float[40];
        Assert.Throws<ArgumentException>(() => RowOps.Add(buffer.AsSpan(0, 32), buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
        Assert.Throws<ArgumentException>(() => RowOps.Add(buffer.AsSpan(4, 32), new float[32], buffer.AsSpan(0, 32)));
        Assert.Throws<ArgumentException>(() => RowOps.Multiply(buffer.AsSpan(0, 32), 2f, buffer.AsSpan(8, 32)));
        RowOps.Add(buffer.AsSpan(0, 16), buffer.AsSpan(0, 16), buffer.AsSpan(16, 16));   // adjacent, not overlapping
        RowOps.Add(buffer.AsSpan(16, 16), buffer.AsSpan(16, 16), buffer.AsSpan(0, 16));
    }
}
