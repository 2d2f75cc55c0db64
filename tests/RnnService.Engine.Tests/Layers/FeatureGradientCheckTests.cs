using RnnService.Engine.Core;
using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Layers;

/// <summary>
/// Central finite differences for pooling, bidirectional layers and dropout on the embedding and before the head,
/// on a padded batch.
/// Dropout draws its masks from a fresh Rng(99) on every call, so every evaluation sees the same masks.
/// </summary>
public class FeatureGradientCheckTests
{
    private const float Epsilon = 1e-2f;
    private const double Tolerance = 2e-2;
    private static readonly int[] Tokens = [1, 4, 2, 5, 3, 2, 2, 6, 0, 0, 3, 0, 0, 0, 0];
    private static readonly int[] Lengths = [5, 3, 1];
    private static readonly int[] Targets = [4, 2, 5, 3, 1, 2, 6, 6, -1, -1, 5, -1, -1, -1, -1];
    private static readonly float[] Labels = [1, 0, 1];

    [Theory]
    [InlineData(Architecture.Lstm, 1, Pooling.Mean, 0f, 0f)]
    [InlineData(Architecture.Gru, 2, Pooling.Mean, 0f, 0f)]
    [InlineData(Architecture.Lstm, 2, Pooling.Max, 0f, 0f)]
    [InlineData(Architecture.Rnn, 1, Pooling.Max, 0f, 0f)]
    [InlineData(Architecture.Lstm, 1, Pooling.Last, 0.3f, 0.2f)]
    [InlineData(Architecture.Gru, 1, Pooling.Mean, 0.3f, 0.2f)]
    [InlineData(Architecture.Lstm, 1, Pooling.Last, 0f, 0f, true)]
    [InlineData(Architecture.Lstm, 2, Pooling.Last, 0.3f, 0f, true)]
    [InlineData(Architecture.Gru, 2, Pooling.Max, 0f, 0f, true)]
    [InlineData(Architecture.Rnn, 2, Pooling.Mean, 0f, 0.2f, true)]
    public void ClassifierGradientsMatchFiniteDifferences(Architecture architecture, int layers, Pooling pooling, float dropout, float embeddingDropout,
        bool bidirectional = false)
    {
        var net = NewNetwork(architecture, layers, outputs: 1, dropout, embeddingDropout, pooling, bidirectional);
        Rng? Masks() => dropout > 0 || embeddingDropout > 0 ? new Rng(99) : null;
        Check(net, () => net.ClassifierLoss(Tokens, 5, 3, Lengths, Labels, backward: true, default, Masks()),
            () => net.ClassifierLoss(Tokens, 5, 3, Lengths, Labels, backward: false, default, Masks()));
    }

    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void OneLayerLanguageModelWithDropoutGradientsMatchFiniteDifferences(Architecture architecture)
    {
        var net = NewNetwork(architecture, layers: 1, outputs: 7, dropout: 0.3f, embeddingDropout: 0.2f, Pooling.Last);
        Check(net, () => net.LanguageModelLoss(Tokens, Targets, 5, 3, Lengths, default, default, backward: true, new Rng(99)).Loss,
            () => net.LanguageModelLoss(Tokens, Targets, 5, 3, Lengths, default, default, backward: false, new Rng(99)).Loss);
    }

    [Fact]
    public void DropoutWithOneLayerChangesTrainingOutputsButNotInference()
    {
        var net = NewNetwork(Architecture.Lstm, layers: 1, outputs: 1, dropout: 0.5f, embeddingDropout: 0.5f, Pooling.Last);
        var plain = NewNetwork(Architecture.Lstm, layers: 1, outputs: 1, dropout: 0, embeddingDropout: 0, Pooling.Last);

        net.ClassifierLoss(Tokens, 5, 3, Lengths, Labels, backward: false, default);
        var inference = net.ClassifierLogits.ToArray();
        plain.ClassifierLoss(Tokens, 5, 3, Lengths, Labels, backward: false, default);
        Assert.Equal(plain.ClassifierLogits.ToArray(), inference);

        net.ClassifierLoss(Tokens, 5, 3, Lengths, Labels, backward: false, default, new Rng(1));
        Assert.NotEqual(inference, net.ClassifierLogits.ToArray());
    }

    private static RecurrentNetwork NewNetwork(Architecture architecture, int layers, int outputs, float dropout, float embeddingDropout, Pooling pooling,
        bool bidirectional = false)
    {
        var net = new RecurrentNetwork(architecture, vocabularySize: 7, embeddingSize: 4, hiddenSize: 5, layers, outputs, dropout, embeddingDropout, pooling,
            bidirectional);
        net.Initialize(new Rng(11));
        // Larger weights than the default init so gates are far from linear and errors would show.
        var v = net.Parameters.Values;
        for (int i = 0; i < v.Length; i++) v[i] *= 2f;
        net.Parameters.MarkChanged();
        return net;
    }

    private static void Check(RecurrentNetwork net, Func<float> lossWithBackward, Func<float> loss)
    {
        var p = net.Parameters;
        p.ZeroGrads();
        lossWithBackward();
        var analytic = (float[])p.Grads.Clone();
        var rng = new Rng(5);
        foreach (var slice in p.Slices)
        {
            var indices = slice.Length <= 40 ? Enumerable.Range(0, slice.Length) : Enumerable.Range(0, 40).Select(_ => rng.NextInt(slice.Length));
            foreach (int k in indices)
            {
                int i = slice.Offset + k;
                float saved = p.Values[i];
                p.Values[i] = saved + Epsilon; p.MarkChanged(); double plus = loss();
                p.Values[i] = saved - Epsilon; p.MarkChanged(); double minus = loss();
                p.Values[i] = saved; p.MarkChanged();
                double numeric = (plus - minus) / (2 * Epsilon);
                double error = Math.Abs(numeric - analytic[i]) / Math.Max(Math.Abs(numeric) + Math.Abs(analytic[i]), 1e-2);
                Assert.True(error < Tolerance, $"{slice.Name}[{k}]: numeric {numeric}, analytic {analytic[i]}");
            }
        }
    }
}
