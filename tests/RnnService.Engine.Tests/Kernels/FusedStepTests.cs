// The fused recurrent step (RecurrentLayer.FusedStep.cs: gate tiles + cell update per row group × 32
// hidden units, h written into the next step's packed operand, the batch's rows split between two threads)
// against a double-precision reference of the equations, forced on every instruction set the machine has, on
// one and on two threads (split by rows, or by hidden units for a single step), at sizes that leave a remainder against every tile (H mod 32, B mod 8 and mod 6),
// with padded sequences; every instruction set and thread count gives the same bits, forward and backward.
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;
using RnnService.Engine.Layers;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Tests.Kernels;

public class FusedStepTests
{
    public static TheoryData<string, int, int> Shapes() => new()
    {
        // arch, hidden, batch: H 5 and 45 leave 5 and 13 units in the last block, 64 none, 300 crosses Kc = 256;
        // B 2, 7, 9, 13 leave 2, 7, 1, 5 rows against Mr 8 and 2, 1, 3, 1 against Mr256 6; B 26 makes 3 row ranges on
        // two threads with Mr 8 and 4 with Mr256 6 (the ranges are taken in the order 0, 2, 1 and 0, 2, 1, 3).
        { "lstm", 5, 7 }, { "lstm", 45, 9 }, { "lstm", 64, 13 }, { "lstm", 300, 2 }, { "lstm", 45, 26 },
        { "gru", 5, 9 }, { "gru", 45, 13 }, { "gru", 64, 7 }, { "gru", 300, 2 },
        { "rnn", 5, 13 }, { "rnn", 45, 2 }, { "rnn", 64, 9 },
    };

    private static IEnumerable<GemmIsa> Isas()
    {
        if (Vector512.IsHardwareAccelerated) yield return GemmIsa.Vector512;
        if (Vector256.IsHardwareAccelerated) yield return GemmIsa.Vector256;
        yield return GemmIsa.Scalar;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedForwardMatchesTheDoublePrecisionEquationsOnEveryInstructionSetAndThreadCount(string arch, int hidden, int batch) =>
        AssertFusedForward(arch, hidden, batch, steps: 4);

    /// <summary>One step (generation's) is split between the threads by hidden units below three row groups (every shape
    /// here but a batch of 26), by rows from three on.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void OneFusedStepSplitByHiddenUnitsOrRowsMatchesTheEquationsOnEveryInstructionSetAndThreadCount(string arch, int hidden, int batch) =>
        AssertFusedForward(arch, hidden, batch, steps: 1);

    private static void AssertFusedForward(string arch, int hidden, int batch, int steps)
    {
        const int input = 11;
        var (layer, p) = Make(arch, input, hidden);
        var rng = new Rng(17);
        var x = new float[steps * batch * input];
        rng.FillUniform(x, -1.5f, 1.5f);
        var h0 = new float[batch * hidden];
        rng.FillUniform(h0, -0.5f, 0.5f);
        var lengths = Enumerable.Range(0, batch).Select(i => steps - i % steps).ToArray();   // 4, 3, 2, 1, 4, ...
        var (yRef, hRef, cRef) = Reference(arch, p, layer, x, steps, batch, lengths, h0);

        float[]? firstY = null;
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            // A new layer (the same weights) each time: one reused would still hold the last call's identical states, and
            // a path that computed nothing would pass.
            var (fresh, _) = Make(arch, input, hidden);
            var y = new float[steps * batch * hidden];
            var hT = new float[batch * hidden];
            var cT = new float[batch * hidden];
            RecurrentLayer.ForcedStepIsa = isa;
            RecurrentLayer.ForcedStepPartner = partner;
            try { fresh.Forward(x, steps, batch, lengths, h0, h0, y, hT, cT); }
            finally { RecurrentLayer.ForcedStepIsa = null; RecurrentLayer.ForcedStepPartner = null; }

            AssertClose(yRef, y, $"{isa} partner {partner}: y");
            AssertClose(hRef, hT, $"{isa} partner {partner}: hT");
            if (arch == "lstm") AssertClose(cRef, cT, $"{isa} partner {partner}: cT");
            if (firstY is null) firstY = y;
            else Assert.True(firstY.AsSpan().SequenceEqual(y), $"{isa} partner {partner} changed bits of y");
        }
    }

    /// <summary>
    /// A row of a batch comes out with the bits it has alone (batch 1: the input projection by Sgemm, then the matrix-vector
    /// step), whatever the instruction set and thread count: the fused loop computes every gate element with the same
    /// chains. Input 300 crosses the K chunk (Kc = 256) of the input projection.
    /// </summary>
    [Theory]
    [InlineData("lstm", 11)]
    [InlineData("lstm", 300)]
    [InlineData("gru", 11)]
    [InlineData("gru", 300)]
    [InlineData("rnn", 300)]
    public void EachRowOfABatchHasTheBitsItHasAlone(string arch, int input)
    {
        const int steps = 4, batch = 9, hidden = 45;
        var rng = new Rng(29);
        var x = new float[steps * batch * input];
        rng.FillUniform(x, -1.5f, 1.5f);
        var lengths = Enumerable.Range(0, batch).Select(i => steps - i % steps).ToArray();
        var (single, _) = Make(arch, input, hidden);
        var aloneY = new float[steps * batch * hidden];
        var aloneH = new float[batch * hidden];
        for (int row = 0; row < batch; row++)
        {
            var xRow = new float[steps * input];
            for (int t = 0; t < steps; t++) x.AsSpan((t * batch + row) * input, input).CopyTo(xRow.AsSpan(t * input));
            var y = new float[steps * hidden];
            single.Forward(xRow, steps, 1, [lengths[row]], default, default, y, aloneH.AsSpan(row * hidden, hidden), new float[hidden]);
            for (int t = 0; t < steps; t++) y.AsSpan(t * hidden, hidden).CopyTo(aloneY.AsSpan((t * batch + row) * hidden));
        }
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            // Twice on a new layer: the second call finds the first one's values in the layer's caches, which a tile that
            // added to what it should overwrite would pick up.
            var (layer, _) = Make(arch, input, hidden);
            for (int call = 1; call <= 2; call++)
            {
                var y = new float[steps * batch * hidden];
                var hT = new float[batch * hidden];
                RecurrentLayer.ForcedStepIsa = isa;
                RecurrentLayer.ForcedStepPartner = partner;
                try { layer.Forward(x, steps, batch, lengths, default, default, y, hT, new float[batch * hidden]); }
                finally { RecurrentLayer.ForcedStepIsa = null; RecurrentLayer.ForcedStepPartner = null; }
                Assert.True(aloneY.AsSpan().SequenceEqual(y), $"{isa} partner {partner} call {call}: y differs from the rows run alone");
                Assert.True(aloneH.AsSpan().SequenceEqual(hT), $"{isa} partner {partner} call {call}: hT differs from the rows run alone");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardGivesTheSameBitsOnEveryInstructionSetAndThreadCount(string arch, int hidden, int batch)
    {
        const int steps = 4, input = 11;
        var rng = new Rng(23);
        var x = new float[steps * batch * input];
        rng.FillUniform(x, -1.5f, 1.5f);
        var dy = new float[steps * batch * hidden];
        rng.FillUniform(dy, -1f, 1f);
        var dhT = new float[batch * hidden];
        rng.FillUniform(dhT, -1f, 1f);
        var lengths = Enumerable.Range(0, batch).Select(i => steps - i % steps).ToArray();
        float[]? first = null;
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            var (layer, p) = Make(arch, input, hidden);   // new each time, as in the forward test
            RecurrentLayer.ForcedStepIsa = isa;
            RecurrentLayer.ForcedStepPartner = partner;
            var dx = new float[steps * batch * input];
            var dh0 = new float[batch * hidden];
            try
            {
                layer.Forward(x, steps, batch, lengths, default, default, new float[steps * batch * hidden], new float[batch * hidden], new float[batch * hidden]);
                layer.Backward(dy, dhT, default, dx, dh0, default);
            }
            finally { RecurrentLayer.ForcedStepIsa = null; RecurrentLayer.ForcedStepPartner = null; }
            float[] all = [.. p.Grads, .. dx, .. dh0];
            Assert.Contains(all, v => v != 0);
            if (first is null) first = all;
            else Assert.True(first.AsSpan().SequenceEqual(all), $"{isa} partner {partner} changed bits of the gradients");
        }
    }

    [Fact]
    public void ALayerReusedForALongerNarrowerCallGrowsTheCellCacheTheCellsWriteThroughPointers()
    {
        // Generation steps 4 rows one character at a time, then scoring runs 1 row over many steps on the same workspace:
        // the state buffer (T + 1) × B fits both, the LSTM's cell cache T × B (written through a pointer) must grow.
        var (layer, _) = Make("lstm", input: 3, hidden: 8);
        foreach (var (t, b) in new[] { (1, 4), (3, 2), (7, 1) })
        {
            layer.Forward(new float[t * b * 3], t, b, default, default, default, new float[t * b * 8], new float[b * 8], new float[b * 8]);
            Assert.True(layer.Aux.Length >= t * b * 8, $"cell cache of {layer.Aux.Length} floats for T {t} × B {b} × H 8");
        }
    }

    [Fact]
    public void FastSigmoidAndTanhStayWithinTwoMillionthsOfTheExactValues()
    {
        for (float v = -30f; v <= 30f; v += 0.01f)
        {
            Assert.InRange(FastActivations.Sigmoid(v) - 1 / (1 + Math.Exp(-v)), -2e-7, 2e-7);
            Assert.InRange(FastActivations.Tanh(v) - Math.Tanh(v), -4e-7, 4e-7);
        }
        Assert.Equal(1f, FastActivations.Tanh(500f));
        Assert.Equal(-1f, FastActivations.Tanh(-500f));
        Assert.Equal(0f, FastActivations.Sigmoid(-500f), 1e-30f);
        var lanes = Vector512.Create(-3f, -2f, -1f, -0.5f, -0.1f, 0f, 1e-4f, 0.1f, 0.5f, 1f, 2f, 3f, 5f, 9f, 20f, 90f);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(FastActivations.Sigmoid(lanes[i]), FastActivations.Sigmoid(lanes)[i]);
            Assert.Equal(FastActivations.Tanh(lanes[i]), FastActivations.Tanh(Vector256.Create(lanes[i]))[0]);
        }
    }

    internal static (RecurrentLayer Layer, ParameterSet P) Make(string arch, int input, int hidden)
    {
        var p = new ParameterSet();
        RecurrentLayer layer = arch switch
        {
            "lstm" => new LstmLayer(p, "", 0, input, hidden),
            "gru" => new GruLayer(p, "", 0, input, hidden),
            _ => new TanhRnnLayer(p, "", 0, input, hidden),
        };
        p.Allocate();
        layer.Initialize(new Rng(5));
        return (layer, p);
    }

    /// <summary>PyTorch's equations in double precision, one sequence at a time, state kept past each length.</summary>
    private static (double[] Y, double[] H, double[] C) Reference(string arch, ParameterSet p, RecurrentLayer layer,
        float[] x, int steps, int batch, int[] lengths, float[] h0)
    {
        int inp = layer.InputSize, hid = layer.HiddenSize, g = layer.Gates;
        var wih = p.Value(layer.WeightIh).ToArray(); var whh = p.Value(layer.WeightHh).ToArray();
        var bih = p.Value(layer.BiasIh).ToArray(); var bhh = p.Value(layer.BiasHh).ToArray();
        var y = new double[steps * batch * hid];
        var hOut = new double[batch * hid];
        var cOut = new double[batch * hid];
        static double S(double v) => 1 / (1 + Math.Exp(-v));
        for (int b = 0; b < batch; b++)
        {
            var h = Enumerable.Range(0, hid).Select(j => (double)h0[b * hid + j]).ToArray();
            var c = (double[])h.Clone();
            for (int t = 0; t < lengths[b]; t++)
            {
                var xi = new double[g * hid];
                var hh = new double[g * hid];
                for (int r = 0; r < g * hid; r++)
                {
                    xi[r] = bih[r]; hh[r] = bhh[r];
                    for (int k = 0; k < inp; k++) xi[r] += wih[r * inp + k] * x[(t * batch + b) * inp + k];
                    for (int k = 0; k < hid; k++) hh[r] += whh[r * hid + k] * h[k];
                }
                var next = new double[hid];
                for (int j = 0; j < hid; j++)
                {
                    if (arch == "lstm")
                    {
                        double i = S(xi[j] + hh[j]), f = S(xi[hid + j] + hh[hid + j]);
                        double gg = Math.Tanh(xi[2 * hid + j] + hh[2 * hid + j]), o = S(xi[3 * hid + j] + hh[3 * hid + j]);
                        c[j] = f * c[j] + i * gg;
                        next[j] = o * Math.Tanh(c[j]);
                    }
                    else if (arch == "gru")
                    {
                        double r = S(xi[j] + hh[j]), z = S(xi[hid + j] + hh[hid + j]);
                        double n = Math.Tanh(xi[2 * hid + j] + r * hh[2 * hid + j]);
                        next[j] = (1 - z) * n + z * h[j];
                    }
                    else next[j] = Math.Tanh(xi[j] + hh[j]);
                }
                h = next;
                for (int j = 0; j < hid; j++) y[(t * batch + b) * hid + j] = h[j];
            }
            h.CopyTo(hOut, b * hid);
            c.CopyTo(cOut, b * hid);
        }
        return (y, hOut, cOut);
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: {actual[i]} against {expected[i]}");
    }
}
