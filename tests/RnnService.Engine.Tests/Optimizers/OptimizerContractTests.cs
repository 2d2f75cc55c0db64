// What the optimizers promise besides their update formula: they reject settings PyTorch rejects, touch nothing
// past the parameters they are given (the trainer steps a slice after a frozen embedding), keep no momentum buffer
// without momentum, count their steps, and restore a checkpoint's state exactly. Found by mutation testing
// (docs/testing.md): each assertion here kills a mutant the formula tests let live.
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Optimizers;

public class OptimizerContractTests
{
    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ALearningRateThatIsNotPositiveAndFiniteIsRejected(float learningRate)
    {
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(4, learningRate)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, learningRate)).ParamName);
    }

    [Theory]
    [InlineData("momentum", -0.1f)]
    [InlineData("momentum", 1f)]
    [InlineData("momentum", float.NaN)]
    [InlineData("beta1", -0.1f)]
    [InlineData("beta1", 1f)]
    [InlineData("beta1", float.NaN)]
    [InlineData("beta2", -0.1f)]
    [InlineData("beta2", 1f)]
    [InlineData("beta2", float.NaN)]
    [InlineData("epsilon", 0f)]
    [InlineData("epsilon", float.PositiveInfinity)]
    [InlineData("epsilon", float.NaN)]
    [InlineData("weightDecay", -0.1f)]
    [InlineData("weightDecay", float.PositiveInfinity)]
    [InlineData("weightDecay", float.NaN)]
    public void SettingsOutsideTheirRangeAreRejectedNamingTheSetting(string setting, float value)
    {
        Func<Optimizer> create = setting switch
        {
            "momentum" => () => new Sgd(4, 0.1f, momentum: value),
            "beta1" => () => new Adam(4, 0.1f, beta1: value),
            "beta2" => () => new Adam(4, 0.1f, beta2: value),
            "epsilon" => () => new Adam(4, 0.1f, epsilon: value),
            _ => () => new Adam(4, 0.1f, weightDecay: value),
        };
        Assert.Equal(setting, Assert.Throws<ArgumentOutOfRangeException>(create).ParamName);
    }

    [Fact]
    public void TheEdgesOfEachRangeAreAccepted()
    {
        Assert.Equal(0.999f, new Sgd(4, 0.1f, momentum: 0.999f).Momentum);
        var adam = new Adam(4, 0.1f, beta1: 0, beta2: 0, epsilon: float.Epsilon, weightDecay: 0);
        Assert.Equal((0f, 0f), (adam.Beta1, adam.Beta2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AStepOverAShorterSliceTouchesNothingBeyondIt(bool vector)
    {
        // State for 40 values, a step over the first 21 (2 vectors and a tail of 5), gradients one longer than the slice.
        const int n = 21, count = 40;
        foreach (Optimizer optimizer in new Optimizer[]
                 {
                     new Sgd(count, 0.1f) { VectorPath = vector }, new Sgd(count, 0.1f, 0.9f) { VectorPath = vector },
                     new Adam(count, 0.1f, weightDecay: 0.1f) { VectorPath = vector },
                 })
        {
            var p = Enumerable.Repeat(1f, count).ToArray();
            var g = Enumerable.Repeat(0.5f, n + 1).ToArray();
            for (int step = 0; step < 2; step++) optimizer.Step(p.AsSpan(0, n), g);
            Assert.All(p[..n], x => Assert.NotEqual(1f, x));
            Assert.All(p[n..], x => Assert.Equal(1f, x));
            foreach (var buffer in optimizer.StateBuffers) Assert.All(buffer.Skip(n), x => Assert.Equal(0f, x));
            Assert.Equal(2, optimizer.Steps);
        }
    }

    [Fact]
    public void GradientsShorterThanTheParametersAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(4, 0.1f).Step(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => new Adam(4, 0.1f).Step(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => new Adam(3, 0.1f).Step(new float[4], new float[4]));   // more parameters than state
    }

    [Fact]
    public void SgdWithoutMomentumKeepsNoBuffer()
    {
        Assert.Empty(new Sgd(4, 0.1f).StateBuffers[0]);
        Assert.Equal(4, new Sgd(4, 0.1f, 0.5f).StateBuffers[0].Length);
    }

    [Fact]
    public void RestoringStateCopiesTheBuffersAndTheStepCountAndRejectsAnotherShape()
    {
        var adam = new Adam(3, 0.1f);
        adam.RestoreState(7, [[1, 2, 3], [4, 5, 6]]);
        Assert.Equal(7, adam.Steps);
        Assert.Equal([1f, 2, 3], adam.StateBuffers[0]);
        Assert.Equal([4f, 5, 6], adam.StateBuffers[1]);
        Assert.Throws<ArgumentException>(() => adam.RestoreState(1, [[1, 2, 3]]));
        Assert.Throws<ArgumentException>(() => adam.RestoreState(1, [[1, 2, 3], [4, 5]]));
    }

    [Fact]
    public void ClippingIsOffAtZeroAndUsesTheNormPlusOneMillionth()
    {
        float[] g = [3, 4];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, maxNorm: 0));
        Assert.Equal([3f, 4f], g);

        float[] small = [3e-6f, 4e-6f];
        GradientClipping.ClipByGlobalNorm(small, maxNorm: 1e-6f);
        float coef = 1e-6f / (5e-6f + 1e-6f);   // PyTorch's clip_grad_norm_: max_norm / (total_norm + 1e-6)
        Assert.Equal(3e-6f * coef, small[0], 1e-12f);
        Assert.Equal(4e-6f * coef, small[1], 1e-12f);
    }
}
