using RnnService.Engine.Core;
using RnnService.Engine.Sampling;

namespace RnnService.Engine.Tests.Sampling;

public class TokenSamplerTests
{
    private static readonly float[] Logits = [0f, 2f, 1f, 3f, -1f];
    private static readonly bool[] AllAllowed = [true, true, true, true, true];

    [Fact]
    public void ZeroTemperatureTakesTheArgmaxOfAllowedTokens()
    {
        var sampler = new TokenSampler(5);
        Assert.Equal(3, sampler.Sample(Logits, AllAllowed, 0, 0, 1, new Rng(1)));
        Assert.Equal(1, sampler.Sample(Logits, [true, true, true, false, true], 0, 0, 1, new Rng(1)));
    }

    [Fact]
    public void TopKOneIsGreedyAndTopKTwoDrawsOnlyTheTwoMostLikely()
    {
        var sampler = new TokenSampler(5);
        var rng = new Rng(2);
        var drawn = Enumerable.Range(0, 500).Select(_ => sampler.Sample(Logits, AllAllowed, 1, 2, 1, rng)).ToHashSet();
        Assert.Equal([1, 3], drawn.Order());
        Assert.Equal(3, sampler.Sample(Logits, AllAllowed, 1, 1, 1, rng));
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingTheMass()
    {
        // softmax(Logits) ≈ [0.032, 0.234, 0.086, 0.636, 0.012]: top-p 0.8 keeps tokens 3 and 1.
        var sampler = new TokenSampler(5);
        var rng = new Rng(3);
        var drawn = Enumerable.Range(0, 500).Select(_ => sampler.Sample(Logits, AllAllowed, 1, 0, 0.8f, rng)).ToHashSet();
        Assert.Equal([1, 3], drawn.Order());
    }

    [Fact]
    public void SamplingFollowsTheSoftmaxDistribution()
    {
        var sampler = new TokenSampler(5);
        var rng = new Rng(4);
        var counts = new int[5];
        for (int i = 0; i < 20000; i++) counts[sampler.Sample(Logits, AllAllowed, 1, 0, 1, rng)]++;
        var probs = new float[5];
        TokenSampler.Softmax(Logits, AllAllowed, 1, probs);
        for (int k = 0; k < 5; k++) Assert.Equal(probs[k], counts[k] / 20000.0, 1);
        Assert.Equal(0.6364f, probs[3], 3);
    }
}
