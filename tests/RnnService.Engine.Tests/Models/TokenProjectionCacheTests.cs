// The first layer's input projection read by token (RecurrentLayer.TokenCache.cs): the same bits as projecting, on
// every path of the forward pass (the fused loop by row groups, one step split by hidden units, one row), instruction
// set and thread count; only a second pass at one weight version fills it; a changed weight version never reads old
// rows; clones share it; tokens past its rows are projected.
using System.Runtime.Intrinsics;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;
using RnnService.Engine.Layers;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Models;

public class TokenProjectionCacheTests
{
    private const int Vocabulary = 23, Embedding = 11, Hidden = 45;

    public static TheoryData<Architecture, int, int> Passes() => new()
    {
        // steps, batch: the fused loop by row groups (9 rows: a group of 8 and one of 1, or 6 and 3); one step split by
        // hidden units; one row (Sgemm's projection, then matrix-vector steps).
        { Architecture.Lstm, 4, 9 }, { Architecture.Lstm, 1, 9 }, { Architecture.Lstm, 5, 1 },
        { Architecture.Gru, 4, 9 }, { Architecture.Gru, 1, 9 }, { Architecture.Gru, 5, 1 },
        { Architecture.Rnn, 4, 9 }, { Architecture.Rnn, 1, 9 }, { Architecture.Rnn, 5, 1 },
    };

    private static IEnumerable<GemmIsa> Isas()
    {
        if (Vector512.IsHardwareAccelerated) yield return GemmIsa.Vector512;
        if (Vector256.IsHardwareAccelerated) yield return GemmIsa.Vector256;
        yield return GemmIsa.Scalar;
    }

    private static RecurrentNetwork Make(Architecture architecture, bool cached, bool bidirectional = false)
    {
        var network = new RecurrentNetwork(architecture, Vocabulary, Embedding, Hidden, layers: 2, outputSize: 1, bidirectional: bidirectional);
        network.Initialize(new Rng(41));
        if (!cached) foreach (var layer in network.Layers) layer.InputTokenCache = null;
        return network;
    }

    private static (int[] Tokens, int[] Lengths) Batch(int steps, int batch, int seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[batch * steps];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(Vocabulary);
        return (tokens, Enumerable.Range(0, batch).Select(i => steps - i % steps).ToArray());
    }

    private static float[] Run(RecurrentNetwork network, int[] tokens, int steps, int batch, int[] lengths, GemmIsa? isa = null, bool? partner = null)
    {
        RecurrentLayer.ForcedStepIsa = isa;
        RecurrentLayer.ForcedStepPartner = partner;
        try { return network.Forward(tokens, steps, batch, lengths, default, default, dropoutRng: null).ToArray(); }
        finally { RecurrentLayer.ForcedStepIsa = null; RecurrentLayer.ForcedStepPartner = null; }
    }

    private static TokenProjectionCache Cache(RecurrentNetwork network) => network.Layers[0].InputTokenCache!;

    [Theory]
    [MemberData(nameof(Passes))]
    public void CachedProjectionsGiveTheBitsOfProjectingOnEveryPathInstructionSetAndThreadCount(Architecture architecture, int steps, int batch)
    {
        var (tokens, lengths) = Batch(steps, batch, seed: 3);
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            var expected = Run(Make(architecture, cached: false), tokens, steps, batch, lengths, isa, partner);
            var network = Make(architecture, cached: true);
            // Pass 1 projects, pass 2 projects and fills, passes 3 and 4 read (4: with a batch of other tokens first).
            for (int pass = 1; pass <= 4; pass++)
            {
                if (pass == 4) Run(network, Batch(steps, batch, seed: 8).Tokens, steps, batch, lengths, isa, partner);
                var actual = Run(network, tokens, steps, batch, lengths, isa, partner);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{isa} partner {partner} pass {pass}: the output differs");
                Assert.Equal(pass >= 2, Cache(network).Allocated);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Passes))]
    public void AFilledRowIsReadInsteadOfProjected(Architecture architecture, int steps, int batch)
    {
        var (tokens, lengths) = Batch(steps, batch, seed: 5);
        var network = Make(architecture, cached: true);
        var expected = Run(network, tokens, steps, batch, lengths);
        Run(network, tokens, steps, batch, lengths);
        Poison(network, tokens[0]);

        var actual = Run(network, tokens, steps, batch, lengths);

        // The first row's first step reads the poisoned row, so its output changes; a path that projected would not see it.
        Assert.NotEqual(expected[..Hidden], actual[..Hidden]);
    }

    /// <summary>Overwrites the cached row of token with 1000s at the network's current weight version.</summary>
    private static unsafe void Poison(RecurrentNetwork network, int token)
    {
        var garbage = Enumerable.Repeat(1000f, Cache(network).Width).ToArray();
        fixed (float* row = garbage) Cache(network).Store(token, network.Parameters.Version, row);
    }

    [Fact]
    public void TrainingStepsNeitherFillTheCacheNorReadRowsOfEarlierWeights()
    {
        const int steps = 4, batch = 9;
        var (tokens, lengths) = Batch(steps, batch, seed: 7);
        var network = Make(Architecture.Lstm, cached: true);
        var optimizer = new Adam(network.Parameters.Count - network.FirstTrainable, learningRate: 0.05f);
        float[] labels = [0, 1, 1, 0, 1, 0, 0, 1, 1];
        for (int step = 0; step < 3; step++)
        {
            network.ClassifierLoss(tokens, steps, batch, lengths, labels, backward: true, new float[batch]);
            network.Step(optimizer, clipNorm: 5);
        }
        Assert.False(Cache(network).Allocated);

        Run(network, tokens, steps, batch, lengths);
        Run(network, tokens, steps, batch, lengths);   // fills at these weights
        Assert.True(Cache(network).Allocated);
        network.ClassifierLoss(tokens, steps, batch, lengths, labels, backward: true, new float[batch]);
        network.Step(optimizer, clipNorm: 5);

        var reference = Make(Architecture.Lstm, cached: false);
        network.Parameters.Values.CopyTo(reference.Parameters.Values, 0);
        reference.Parameters.MarkChanged();
        Assert.Equal(Run(reference, tokens, steps, batch, lengths), Run(network, tokens, steps, batch, lengths));
    }

    /// <summary>Tokens 0..5 at 12 steps × 9 rows: 6 distinct tokens in 108 positions, few enough to be projected ahead.</summary>
    private static (int[] Tokens, int[] Lengths) FewTokens(int steps, int batch, int seed)
    {
        var (tokens, lengths) = Batch(steps, batch, seed);
        return (Array.ConvertAll(tokens, id => id % 6), lengths);
    }

    [Theory]
    [MemberData(nameof(Passes))]
    public void AFirstPassOverFewDistinctTokensProjectsThemAheadWithTheBitsOfProjecting(Architecture architecture, int steps, int batch)
    {
        steps *= 12;   // enough positions for 6 tokens: 48 × 9, 12 × 9, 60 × 1
        var (tokens, lengths) = FewTokens(steps, batch, seed: 17);
        foreach (var isa in Isas())
        foreach (bool partner in new[] { false, true })
        {
            var expected = Run(Make(architecture, cached: false), tokens, steps, batch, lengths, isa, partner);
            var network = Make(architecture, cached: true);
            var actual = Run(network, tokens, steps, batch, lengths, isa, partner);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{isa} partner {partner}: the output differs");
            Assert.True(Cache(network).Allocated);
        }
        // Read, not projected again: a poisoned row changes the next pass.
        var poisoned = Make(architecture, cached: true);
        var first = Run(poisoned, tokens, steps, batch, lengths);
        Poison(poisoned, tokens[0]);
        Assert.NotEqual(first[..Hidden], Run(poisoned, tokens, steps, batch, lengths)[..Hidden]);
    }

    [Theory]
    [InlineData(Architecture.Lstm, false)]
    [InlineData(Architecture.Gru, false)]
    [InlineData(Architecture.Rnn, true)]
    public void TrainingOverFewDistinctTokensGivesTheLossesOfProjectingAndItsGradientsWithinRounding(Architecture architecture, bool frozenEmbedding)
    {
        const int steps = 12, batch = 9;
        var (tokens, lengths) = FewTokens(steps, batch, seed: 19);
        float[] labels = [0, 1, 1, 0, 1, 0, 0, 1, 1];
        // Projecting and the products row by row; the cache read, row by row (the same bits); the cache read, DXp summed by
        // token; projecting, DXp summed by token (the same bits as the cache: the cache's size changes no training result).
        bool[] cached = [false, true, true, false], rowByRow = [true, true, false, false];
        var networks = cached.Select(c => Make(architecture, c)).ToArray();
        if (frozenEmbedding)
        {
            var vectors = Embeddings.TinyWordVectors.Create(["w0", "w1"],
                [.. Enumerable.Range(0, 2).Select(i => Enumerable.Range(0, Embedding).Select(j => (sbyte)(7 * i + j - 20)).ToArray())], [0.1f, 0.2f]);
            foreach (var n in networks) n.Embedding.FreezeOver(vectors);
        }
        var optimizer = new Adam(networks[0].Parameters.Count - networks[0].FirstTrainable, learningRate: 0.05f);
        for (int step = 0; step < 3; step++)
        {
            var losses = new float[4];
            var grads = new float[4][];
            for (int i = 0; i < 4; i++)
            {
                RecurrentLayer.ForcedRowByRowBackward = rowByRow[i];
                try { losses[i] = networks[i].ClassifierLoss(tokens, steps, batch, lengths, labels, backward: true, new float[batch]); }
                finally { RecurrentLayer.ForcedRowByRowBackward = null; }
                grads[i] = networks[i].Parameters.Grads.ToArray();
            }
            // Each step from the same weights, so the four stay comparable.
            networks[0].Step(optimizer, clipNorm: 5);
            for (int i = 1; i < 4; i++) { networks[0].Parameters.Values.CopyTo(networks[i].Parameters.Values, 0); networks[i].Parameters.MarkChanged(); networks[i].Parameters.ZeroGrads(); }

            Assert.All(losses, loss => Assert.Equal(losses[0], loss));
            Assert.True(grads[0].AsSpan().SequenceEqual(grads[1]), $"step {step}: row by row, the cache changed the gradients");
            Assert.True(grads[2].AsSpan().SequenceEqual(grads[3]), $"step {step}: summed by token, the cache changed the gradients");
            float scale = grads[0].Max(MathF.Abs);
            for (int k = 0; k < grads[0].Length; k++)
                Assert.True(MathF.Abs(grads[0][k] - grads[2][k]) <= 2e-6f * scale, $"step {step}, gradient {k}: {grads[0][k]} against {grads[2][k]}");
            // Summed by token, dW_ih and the embedding's gradient are rounded in another order, so some bits differ.
            Assert.False(grads[0].AsSpan().SequenceEqual(grads[2]), $"step {step}: the gradients summed by token have the bits of row by row");
        }
    }

    [Fact]
    public void ATokenFirstSeenInAPaddedStepGetsItsEmbeddingGradientFromItsRealSteps()
    {
        const int steps = 12, batch = 9;
        var lengths = Enumerable.Range(0, batch).Select(i => steps - i).ToArray();   // row 3 has 9 real steps
        var tokens = new int[batch * steps];
        tokens[3 * steps + 10] = 5;   // step 10 of row 3: padded, and the first position of token 5 in step order
        tokens[0 * steps + 11] = 5;   // step 11 of row 0: real
        float[] labels = [0, 1, 1, 0, 1, 0, 0, 1, 1];
        var grads = new float[2][];
        for (int i = 0; i < 2; i++)
        {
            var network = Make(Architecture.Lstm, cached: true);
            RecurrentLayer.ForcedRowByRowBackward = i == 0;
            try { network.ClassifierLoss(tokens, steps, batch, lengths, labels, backward: true, new float[batch]); }
            finally { RecurrentLayer.ForcedRowByRowBackward = null; }
            grads[i] = network.Parameters.Grad(network.Embedding.Weight).Slice(5 * Embedding, Embedding).ToArray();
        }
        Assert.Contains(grads[0], g => g != 0);
        float scale = grads[0].Max(MathF.Abs);
        for (int k = 0; k < Embedding; k++) Assert.True(MathF.Abs(grads[0][k] - grads[1][k]) <= 2e-6f * scale, $"{grads[0][k]} against {grads[1][k]}");
    }

    [Fact]
    public void AnInferenceCloneSharesTheRowsItsOriginalFilled()
    {
        const int steps = 4, batch = 9;
        var (tokens, lengths) = Batch(steps, batch, seed: 9);
        var network = Make(Architecture.Gru, cached: true);
        var clone = network.CloneForInference();
        Assert.Same(Cache(network), Cache(clone));
        var expected = Run(network, tokens, steps, batch, lengths);
        Run(network, tokens, steps, batch, lengths);
        Poison(network, tokens[0]);

        // The clone's first pass fills nothing, but reads what the original filled.
        Assert.NotEqual(expected[..Hidden], Run(clone, tokens, steps, batch, lengths)[..Hidden]);
    }

    [Fact]
    public void TokensPastTheCachedRowsAreProjected()
    {
        const int steps = 4, batch = 9;
        var (tokens, lengths) = Batch(steps, batch, seed: 11);
        var expected = Run(Make(Architecture.Lstm, cached: false), tokens, steps, batch, lengths);
        var network = Make(Architecture.Lstm, cached: true);
        network.Layers[0].InputTokenCache = new TokenProjectionCache(rows: 4, Cache(network).Width);
        for (int pass = 1; pass <= 3; pass++)
            Assert.Equal(expected, Run(network, tokens, steps, batch, lengths));
        Assert.Equal(4, Cache(network).Rows);
    }

    [Fact]
    public void ABidirectionalNetworkGivesTheBitsOfProjecting()
    {
        const int steps = 4, batch = 9;
        var (tokens, lengths) = Batch(steps, batch, seed: 13);
        var expected = Run(Make(Architecture.Lstm, cached: false, bidirectional: true), tokens, steps, batch, lengths);
        var network = Make(Architecture.Lstm, cached: true, bidirectional: true);
        for (int pass = 1; pass <= 3; pass++)
            Assert.True(expected.AsSpan().SequenceEqual(Run(network, tokens, steps, batch, lengths)), $"pass {pass}");
        Assert.True(Cache(network).Allocated);
        Assert.Null(network.Layers[1].InputTokenCache);   // the backward direction reads reversed input
    }

    [Fact]
    public void EmbeddingDropoutKeepsTheCacheOff()
    {
        const int steps = 4, batch = 9;
        var (tokens, lengths) = Batch(steps, batch, seed: 15);
        var network = new RecurrentNetwork(Architecture.Lstm, Vocabulary, Embedding, Hidden, layers: 1, outputSize: 1, embeddingDropout: 0.5f);
        network.Initialize(new Rng(41));
        for (int pass = 1; pass <= 3; pass++) network.Forward(tokens, steps, batch, lengths, default, default, new Rng(pass));
        Assert.False(Cache(network).Allocated);
    }
}
