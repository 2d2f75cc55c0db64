using RnnService.Engine.Models;
using Xunit.Sdk;

namespace RnnService.Engine.Tests.Golden;

/// <summary>
/// The golden comparison catches the errors it exists for: planted errors on the real engine gradients
/// of model_sentiment_lstm.json (whose values are mostly 1e-5 to 1e-4, where an absolute 1e-5 would
/// accept a 4 % error) fail, and the unperturbed gradients pass.
/// </summary>
public class GoldenToleranceTests
{
    private static (GoldenFile Golden, RecurrentNetwork Net) SentimentLstm()
    {
        var g = GoldenFile.Load("model_sentiment_lstm.json");
        var net = new RecurrentNetwork(Architecture.Lstm, g.Int("vocab_size"), g.Int("embedding_size"), g.Int("hidden_size"), g.Int("layers"), 1);
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(net.Parameters.Value(net.Parameters[name]));
        net.Parameters.MarkChanged();
        net.ClassifierLoss(g.Ints("tokens"), g.Int("seq_len"), g.Int("batch"), g.Ints("lengths"), g.Floats("labels"), backward: true, default);
        return (g, net);
    }

    [Fact]
    public void UniformOnePercentErrorOnARecurrentWeightGradientFails()
    {
        var (g, net) = SentimentLstm();
        const string name = "rnn.weight_hh_l0";
        float[] actual = net.Parameters.Grad(net.Parameters[name]).ToArray();
        GoldenFile.AssertClose(g.Grad(name), actual, name);

        Assert.True(g.Grad(name).Max(MathF.Abs) < 1e-2f, "the case this test is about: a gradient tensor well below 1");
        float[] perturbed = actual.Select(x => x * 1.01f).ToArray();
        Assert.Throws<TrueException>(() => GoldenFile.AssertClose(g.Grad(name), perturbed, name));
    }

    [Fact]
    public void ErrorOfOneThousandthOfTheTensorScaleOnOneElementFails()
    {
        var (g, net) = SentimentLstm();
        foreach (var name in g.ParamNames)
        {
            float[] expected = g.Grad(name);
            float[] actual = net.Parameters.Grad(net.Parameters[name]).ToArray();
            float scale = expected.Max(MathF.Abs);
            int i = Array.IndexOf(expected, expected.MinBy(MathF.Abs));   // the smallest element
            actual[i] += 1e-3f * scale;
            Assert.Throws<TrueException>(() => GoldenFile.AssertClose(expected, actual, name));
        }
    }

    [Fact]
    public void ToleranceScalesWithTheLargestExpectedValue()
    {
        float[] expected = [2e-5f, -4e-5f, 1e-6f];
        var (ratio, index, allowed) = GoldenFile.WorstError(expected, [2e-5f, -4e-5f, 1.2e-6f], 1e-5f);
        Assert.Equal(1e-5f * 4e-5f + GoldenFile.AbsoluteFloor, allowed);
        Assert.Equal(2, index);
        Assert.True(ratio > 1, $"0.2e-6 off on a tensor of max 4e-5 must fail (ratio {ratio})");
        Assert.Equal(0f, GoldenFile.WorstError(expected, expected, 1e-5f).Ratio);
        Assert.Throws<TrueException>(() => GoldenFile.AssertClose(expected, [float.NaN, -4e-5f, 1e-6f], "NaN"));
    }
}
