// A forward pass for inference (keepForBackward false): the fused loop keeps each step's gate rows only for that step,
// so it must give the bits of a pass that keeps them all, on every path, instruction set and thread count, and a
// Backward after it is refused rather than run on overwritten rows.
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;
using RnnService.Engine.Layers;
using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Models;

public class InferencePassTests
{
    public static TheoryData<Architecture, int, int, bool> Passes() => new()
    {
        // steps, batch, bidirectional: the fused loop by row groups (padded rows included), one step split by hidden units,
        // one row, and a bidirectional classifier.
        { Architecture.Lstm, 6, 9, false }, { Architecture.Lstm, 1, 9, false }, { Architecture.Lstm, 6, 1, false }, { Architecture.Lstm, 6, 9, true },
        { Architecture.Gru, 6, 9, false }, { Architecture.Gru, 1, 9, false }, { Architecture.Gru, 6, 9, true },
        { Architecture.Rnn, 6, 9, false }, { Architecture.Rnn, 6, 13, true },
    };

    private static IEnumerable<GemmIsa> Isas()
    {
        if (Vector512.IsHardwareAccelerated) yield return GemmIsa.Vector512;
        if (Vector256.IsHardwareAccelerated) yield return GemmIsa.Vector256;
        yield return GemmIsa.Scalar;
    }

    private static RecurrentNetwork Make(Architecture architecture, bool bidirectional)
    {
        var network = new RecurrentNetwork(architecture, vocabularySize: 40, embeddingSize: 11, hiddenSize: 45, layers: 2, outputSize: 1,
            bidirectional: bidirectional);
        network.Initialize(new Rng(43));
        return network;
    }

    [Theory]
    [MemberData(nameof(Passes))]
    public void AnInferencePassGivesTheBitsOfAPassThatKeepsItsActivations(Architecture architecture, int steps, int batch, bool bidirectional)
    {
        var rng = new Rng(7);
        var tokens = Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(40)).ToArray();
        var lengths = Enumerable.Range(0, batch).Select(i => steps - i % steps).ToArray();
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            var outputs = new float[2][];
            var finals = new float[2][];
            for (int keep = 0; keep < 2; keep++)
            {
                // A new network each time, so no buffer holds a value from the other pass.
                var network = Make(architecture, bidirectional);
                RecurrentLayer.ForcedStepIsa = isa;
                RecurrentLayer.ForcedStepPartner = partner;
                try { outputs[keep] = network.Forward(tokens, steps, batch, lengths, default, default, dropoutRng: null, keepForBackward: keep == 1).ToArray(); }
                finally { RecurrentLayer.ForcedStepIsa = null; RecurrentLayer.ForcedStepPartner = null; }
                finals[keep] = network.FinalHidden.ToArray();
            }
            Assert.True(outputs[1].AsSpan().SequenceEqual(outputs[0]), $"{isa} partner {partner}: the outputs differ");
            Assert.True(finals[1].AsSpan().SequenceEqual(finals[0]), $"{isa} partner {partner}: the final states differ");
            Assert.Contains(outputs[0], v => v != 0);
        }
    }

    [Theory]
    [InlineData(Architecture.Lstm, 9)]
    [InlineData(Architecture.Gru, 1)]
    public void PaddedStepsOutputZerosAfterAPassThatFilledThem(Architecture architecture, int batch)
    {
        const int steps = 6;
        int[] tokens = [.. Enumerable.Range(0, steps * batch).Select(i => (7 * i + 3) % 40)];
        int[] lengths = batch == 1 ? [4] : [.. Enumerable.Range(0, batch).Select(i => steps - i % steps)];
        var fresh = Make(architecture, bidirectional: false).Forward(tokens, steps, batch, lengths, default, default, dropoutRng: null).ToArray();
        var reused = Make(architecture, bidirectional: false);
        reused.Forward(tokens, steps, batch, default, default, default, dropoutRng: null);   // every step real: no zeros left

        var actual = reused.Forward(tokens, steps, batch, lengths, default, default, dropoutRng: null).ToArray();

        Assert.True(fresh.AsSpan().SequenceEqual(actual));
        int h = 45;
        for (int step = 0; step < steps; step++)
            for (int row = 0; row < batch; row++)
                Assert.Equal(step >= lengths[row], actual.AsSpan((step * batch + row) * h, h).IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void BackwardAfterAnInferencePassIsRefused()
    {
        var network = Make(Architecture.Lstm, bidirectional: false);
        int[] tokens = [.. Enumerable.Range(0, 6 * 9).Select(i => i % 40)];
        network.ClassifierLoss(tokens, 6, 9, default, default, backward: false, new float[9]);

        var refused = Assert.Throws<InvalidOperationException>(() => network.Backward(default, default, default));
        Assert.Contains("kept no activations", refused.Message);

        // A pass that keeps them makes Backward possible again.
        network.Forward(tokens, 6, 9, default, default, default, dropoutRng: null);
        network.Backward(default, default, default);
    }
}
