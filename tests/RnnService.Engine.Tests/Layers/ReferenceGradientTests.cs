// The engine's float32 gradients against a float64 reference of the same network (Reference/ReferenceNetwork: the
// equations written out naively and differentiated by a scalar tape), for every architecture, pooling, direction and
// loss: |engine − reference| ≤ 1e-5 · max|reference| + 1e-7 per tensor, the golden files' tolerance. Finite differences
// check the reference itself, in float64, where they are accurate to about 1e-9 (the engine's float32 loss is too
// noisy for them to see a 0.1 % error; this comparison sees one: a 0.1 % error in one LSTM gate's gradient fails it).
// Hidden size 11 runs the layers' 8-lane loops and a 3-lane scalar tail; pads hold real token ids, which must be ignored.
using RnnService.Engine.Models;
using RnnService.Engine.Tests.Golden;
using RnnService.Engine.Tests.Reference;

namespace RnnService.Engine.Tests.Layers;

public class ReferenceGradientTests
{
    private const float Tolerance = 1e-5f;
    private const int Vocabulary = 9, Embedding = 6, Hidden = 11, Steps = 5;
    private static readonly int[] Lengths = [5, 3, 1, 4];
    private static readonly float[] Labels = [1, 0, 0, 1];

    public static TheoryData<Architecture, Pooling, bool> ClassifierCases()
    {
        var cases = new TheoryData<Architecture, Pooling, bool>();
        foreach (var architecture in new[] { Architecture.Lstm, Architecture.Gru, Architecture.Rnn })
            foreach (var pooling in new[] { Pooling.Last, Pooling.Mean, Pooling.Max })
                foreach (bool bidirectional in new[] { false, true })
                    cases.Add(architecture, pooling, bidirectional);
        return cases;
    }

    [Theory]
    [MemberData(nameof(ClassifierCases))]
    public void ClassifierGradientsMatchTheDoublePrecisionReference(Architecture architecture, Pooling pooling, bool bidirectional)
    {
        var net = new RecurrentNetwork(architecture, Vocabulary, Embedding, Hidden, layers: 2, outputSize: 1, pooling: pooling, bidirectional: bidirectional);
        var rng = new Random((int)architecture * 100 + (int)pooling * 10 + (bidirectional ? 1 : 0));
        Fill(net, rng);
        var tokens = Tokens(rng);

        float loss = net.ClassifierLoss(tokens, Steps, Lengths.Length, Lengths, Labels, backward: true, default);

        var tape = new Tape();
        var reference = new ReferenceNetwork(tape, net, Values(net));
        var expected = reference.ClassifierLoss(tokens, Steps, Lengths, Labels, pooling);
        tape.Backward(expected);
        GoldenFile.AssertClose([(float)expected.Value], [loss], "loss", Tolerance);
        AssertGradientsMatch(net, reference, tape);
    }

    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    [InlineData(Architecture.Rnn)]
    public void LanguageModelGradientsMatchTheDoublePrecisionReference(Architecture architecture)
    {
        var net = new RecurrentNetwork(architecture, Vocabulary, Embedding, Hidden, layers: 2, outputSize: Vocabulary);
        var rng = new Random(40 + (int)architecture);
        Fill(net, rng);
        var (tokens, targets, h0, c0) = LanguageModelBatch(rng, net);

        var (loss, _) = net.LanguageModelLoss(tokens, targets, Steps, Lengths.Length, Lengths, h0, c0 ?? default, backward: true);

        var tape = new Tape();
        var reference = new ReferenceNetwork(tape, net, Values(net));
        var expected = reference.LanguageModelLoss(tokens, targets, Steps, Lengths, h0, c0);
        tape.Backward(expected);
        GoldenFile.AssertClose([(float)expected.Value], [loss], "loss", Tolerance);
        AssertGradientsMatch(net, reference, tape);
    }

    [Theory]
    [InlineData(Architecture.Lstm, Pooling.Max, true)]
    [InlineData(Architecture.Gru, Pooling.Mean, true)]
    [InlineData(Architecture.Rnn, Pooling.Last, false)]
    public void TheReferenceGradientsAgreeWithFiniteDifferencesInDoublePrecision(Architecture architecture, Pooling pooling, bool bidirectional)
    {
        var net = new RecurrentNetwork(architecture, Vocabulary, Embedding, Hidden, layers: 2, outputSize: 1, pooling: pooling, bidirectional: bidirectional);
        var rng = new Random(7);
        Fill(net, rng);
        var tokens = Tokens(rng);
        var values = Values(net);
        double Loss()
        {
            var t = new Tape();
            return new ReferenceNetwork(t, net, values).ClassifierLoss(tokens, Steps, Lengths, Labels, pooling).Value;
        }

        var tape = new Tape();
        var reference = new ReferenceNetwork(tape, net, values);
        tape.Backward(reference.ClassifierLoss(tokens, Steps, Lengths, Labels, pooling));
        const double h = 1e-5;
        foreach (var (name, tensor) in values)
        {
            // The first, a middle and the last element of every tensor (an embedding row of a used token among them).
            foreach (int i in new[] { 0, tensor.Length / 2, tensor.Length - 1 })
            {
                double analytic = tape.Grad(reference.Parameter(name)[i]), saved = tensor[i];
                tensor[i] = saved + h;
                double plus = Loss();
                tensor[i] = saved - h;
                double minus = Loss();
                tensor[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * (Math.Abs(numeric) + Math.Abs(analytic)) + 1e-9,
                    $"{name}[{i}]: finite difference {numeric:G10}, reference {analytic:G10}");
            }
        }
    }

    private static void AssertGradientsMatch(RecurrentNetwork net, ReferenceNetwork reference, Tape tape)
    {
        foreach (var slice in net.Parameters.Slices)
        {
            float[] expected = reference.Parameter(slice.Name).Select(v => (float)tape.Grad(v)).ToArray();
            Assert.Contains(expected, g => g != 0);   // every tensor takes part, so none is compared as all zeros
            GoldenFile.AssertClose(expected, net.Parameters.Grad(slice), $"grad {slice.Name}", Tolerance);
        }
    }

    private static void Fill(RecurrentNetwork net, Random rng)
    {
        var values = net.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() - 0.5);
        net.Parameters.MarkChanged();
    }

    private static Dictionary<string, double[]> Values(RecurrentNetwork net) =>
        net.Parameters.Slices.ToDictionary(s => s.Name, s => net.Parameters.Value(s).ToArray().Select(v => (double)v).ToArray());

    /// <summary>Batch-first [B, T] ids; the pads past each length hold ids too, which nothing may read.</summary>
    private static int[] Tokens(Random rng) => Enumerable.Range(0, Lengths.Length * Steps).Select(_ => rng.Next(1, Vocabulary)).ToArray();

    private static (int[] Tokens, int[] Targets, float[] H0, float[]? C0) LanguageModelBatch(Random rng, RecurrentNetwork net)
    {
        var tokens = Tokens(rng);
        var targets = new int[tokens.Length];
        for (int row = 0; row < Lengths.Length; row++)
            for (int s = 0; s < Steps; s++)
                targets[row * Steps + s] = s < Lengths[row] ? rng.Next(Vocabulary) : -1;
        targets[1] = -1;   // an ignored position inside a sequence
        float[] State() => Enumerable.Range(0, net.StateSize(Lengths.Length)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return (tokens, targets, State(), net.HasCellState ? State() : null);
    }
}
