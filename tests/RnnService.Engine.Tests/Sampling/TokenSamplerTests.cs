using RnnService.Engine.Core;
using RnnService.Engine.Sampling;

namespace RnnService.Engine.Tests.Sampling;

/// <summary>
/// The sampler against an independent reference: softmax in double, and the draw replayed from the same
/// seed (p sorted most likely first, ties by index, top-k, then top-p, u = NextDouble() · kept mass,
/// the first token whose cumulative mass exceeds u) for every one of thousands of draws.
/// </summary>
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

    [Theory]
    [InlineData(1f)]
    [InlineData(0.5f)]
    [InlineData(2.5f)]
    public void SoftmaxMatchesDoublePrecisionAndGivesDisallowedTokensZero(float temperature)
    {
        bool[] allowed = [true, true, false, true, true];
        var probs = new float[5];
        TokenSampler.Softmax(Logits, allowed, temperature, probs);
        double[] expected = ReferenceSoftmax(Logits, allowed, temperature);
        for (int i = 0; i < 5; i++)
            Assert.True(Math.Abs(probs[i] - expected[i]) <= 1e-6 * expected.Max(), $"p[{i}] = {probs[i]}, expected {expected[i]}");
        Assert.Equal(0f, probs[2]);
        Assert.Equal(0.636409, ReferenceSoftmax(Logits, AllAllowed, 1)[3], 6);   // e³ / (1 + e² + e + e³ + e⁻¹)
    }

    [Theory]
    [InlineData(1f, 0, 1f)]        // plain sampling
    [InlineData(1f, 2, 1f)]        // top-k 2: tokens 3 and 1
    [InlineData(1f, 0, 0.8f)]      // top-p 0.8: 0.636 + 0.234 reaches it, tokens 3 and 1
    [InlineData(0.7f, 3, 0.95f)]   // both, with a temperature
    [InlineData(1f, 1, 1f)]        // top-k 1 is greedy
    public void EveryDrawIsTheTokenTheReferenceDrawsFromTheSameSeed(float temperature, int topK, float topP)
    {
        var sampler = new TokenSampler(5);
        var rng = new Rng(4);
        var replay = new Rng(4);
        var probs = new float[5];
        TokenSampler.Softmax(Logits, AllAllowed, temperature, probs);
        var counts = new int[5];
        for (int i = 0; i < 5000; i++)
        {
            int token = sampler.Sample(Logits, AllAllowed, temperature, topK, topP, rng);
            Assert.Equal(ReferenceDraw(probs, topK, topP, replay.NextDouble()), token);
            counts[token]++;
        }
        int[] kept = KeptTokens(probs, topK, topP);
        Assert.Equal(kept.Order(), Enumerable.Range(0, 5).Where(k => counts[k] > 0));
    }

    [Fact]
    public void ReplayCatchesASamplerThatWouldIgnoreTopP()
    {
        // Planted error for the test above: a reference without top-p disagrees on some of the same draws.
        var sampler = new TokenSampler(5);
        var rng = new Rng(4);
        var replay = new Rng(4);
        var probs = new float[5];
        TokenSampler.Softmax(Logits, AllAllowed, 1, probs);
        int disagreements = 0;
        for (int i = 0; i < 5000; i++)
            if (sampler.Sample(Logits, AllAllowed, 1, 0, 0.8f, rng) != ReferenceDraw(probs, 0, 1f, replay.NextDouble())) disagreements++;
        Assert.InRange(disagreements, 1, 5000);
    }

    [Fact]
    public void DrawFrequenciesAreWithinFourSigmaOfTheSoftmax()
    {
        const int n = 20000;
        var sampler = new TokenSampler(5);
        var rng = new Rng(5);
        var counts = new int[5];
        for (int i = 0; i < n; i++) counts[sampler.Sample(Logits, AllAllowed, 1, 0, 1, rng)]++;
        double[] p = ReferenceSoftmax(Logits, AllAllowed, 1);
        for (int k = 0; k < 5; k++)
        {
            double sigma = Math.Sqrt(p[k] * (1 - p[k]) / n);
            Assert.True(Math.Abs(counts[k] / (double)n - p[k]) <= 4 * sigma, $"token {k}: frequency {counts[k] / (double)n:F4}, p {p[k]:F4}, σ {sigma:F4}");
        }
    }

    private static double[] ReferenceSoftmax(float[] logits, bool[] allowed, float temperature)
    {
        double max = logits.Where((_, i) => allowed[i]).Max();
        double[] e = logits.Select((z, i) => allowed[i] ? Math.Exp((z - max) / temperature) : 0).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    private static int[] KeptTokens(float[] probs, int topK, float topP)
    {
        int[] order = Enumerable.Range(0, probs.Length).Where(i => probs[i] > 0)
            .OrderByDescending(i => probs[i]).ThenBy(i => i).ToArray();
        int keep = topK > 0 ? Math.Min(topK, order.Length) : order.Length;
        double mass = 0;
        for (int i = 0; i < keep && topP < 1; i++)
        {
            mass += probs[order[i]];
            if (mass >= topP) { keep = i + 1; break; }
        }
        return order[..keep];
    }

    private static int ReferenceDraw(float[] probs, int topK, float topP, double u01)
    {
        int[] kept = KeptTokens(probs, topK, topP);
        double u = u01 * kept.Sum(i => (double)probs[i]);
        double cumulative = 0;
        foreach (int i in kept)
        {
            cumulative += probs[i];
            if (u < cumulative) return i;
        }
        return kept[^1];
    }
}
