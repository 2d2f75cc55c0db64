using RnnService.Engine.Core;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Models;

/// <summary>The network's own rules and the paths the golden files do not reach: initial states and final cells of a
/// bidirectional stack, a frozen embedding, ties in max pooling, the language model's head dropout.</summary>
public class RecurrentNetworkContractTests
{
    private static readonly Lazy<WordVectors> Glove = new(() => BuiltInWordVectors.Load(BuiltInWordVectors.Glove6B100d));

    [Fact]
    public void ANetworkIsRefusedAnUnknownPoolingOrArchitectureAndAStackOutsideOneToThreeLayers()
    {
        Assert.Equal("pooling", Assert.Throws<ArgumentException>(() => Network(pooling: (Pooling)9)).ParamName);
        Assert.Equal("architecture", Assert.Throws<ArgumentException>(() => Network((Architecture)9)).ParamName);
        Assert.Equal("layers", Assert.Throws<ArgumentOutOfRangeException>(() => Network(layers: 0)).ParamName);
        Assert.Equal("layers", Assert.Throws<ArgumentOutOfRangeException>(() => Network(layers: 4)).ParamName);
        Assert.Equal(3, Network(layers: 3).LayerCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void ASequenceLengthOutsideOneToTheStepsIsRefused(int length)
    {
        var net = Network();
        net.Initialize(new Rng(1));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward([1, 2, 3, 1, 2, 3], 3, 2, [3, length], default, default, null));
        Assert.Equal("lengths", e.ParamName);
    }

    [Fact]
    public void ABidirectionalNetworkIsNotALanguageModel()
    {
        var net = Network(bidirectional: true, outputSize: 6);
        net.Initialize(new Rng(1));

        Assert.Throws<InvalidOperationException>(() => net.LanguageModelLoss([1, 2], [2, 3], 2, 1, default, default, default, backward: false));
    }

    [Fact]
    public void StatesAreLayersTimesDirectionsTimesBatchTimesHiddenAndAGruHasNoCell()
    {
        var lstm = Network(layers: 2, bidirectional: true);
        lstm.Initialize(new Rng(1));
        lstm.Forward([1, 2, 3, 4, 5, 1], 2, 3, default, default, default, null);
        var gru = Network(Architecture.Gru, layers: 2);
        gru.Initialize(new Rng(1));
        gru.Forward([1, 2, 3, 4, 5, 1], 2, 3, default, default, default, null);

        Assert.Equal(2 * 2 * 3 * 5, lstm.StateSize(3));
        Assert.Equal(2 * 2 * 3 * 5, lstm.FinalHidden.Length);
        Assert.Equal(2 * 2 * 3 * 5, lstm.FinalCell.Length);
        Assert.Equal(2 * 3 * 5, gru.FinalHidden.Length);
        Assert.True(gru.FinalCell.IsEmpty);
    }

    /// <summary>
    /// A bidirectional layer is two layers: the forward one over each sequence, the reverse one over each sequence read
    /// backwards. Given initial states and gradients at the final hidden and cell states (which no golden file passes),
    /// its outputs, final states and weight gradients are those of two unidirectional networks holding its two halves.
    /// </summary>
    [Fact]
    public void EachDirectionOfABidirectionalLstmIsAUnidirectionalLstmOverItsOwnReadingWithItsOwnStates()
    {
        const int t = 4, b = 2, h = 5;
        var rng = new Rng(21);
        var both = Network(bidirectional: true);
        both.Initialize(rng);
        var (forward, reverse) = (Network(), Network());
        CopyDirection(both, forward, "");
        CopyDirection(both, reverse, "_reverse");
        int[] tokens = [1, 2, 3, 4, 5, 4, 3, 2];   // [B, T], both sequences full length
        int[] reversedTokens = [4, 3, 2, 1, 2, 3, 4, 5];
        float[] h0 = Random(rng, 2 * b * h), c0 = Random(rng, 2 * b * h), dTop = Random(rng, t * b * 2 * h);
        float[] dhT = Random(rng, 2 * b * h), dcT = Random(rng, 2 * b * h);

        var y = both.Forward(tokens, t, b, default, h0, c0, null).ToArray();
        var (hT, cT) = (both.FinalHidden.ToArray(), both.FinalCell.ToArray());
        both.Backward(dTop, dhT, dcT);
        var yForward = forward.Forward(tokens, t, b, default, h0.AsSpan(0, b * h), c0.AsSpan(0, b * h), null).ToArray();
        Assert.Equal(hT[..(b * h)], forward.FinalHidden.ToArray());
        Assert.Equal(cT[..(b * h)], forward.FinalCell.ToArray());
        forward.Backward(Half(dTop, t, b, h, 0, reversed: false), dhT.AsSpan(0, b * h), dcT.AsSpan(0, b * h));
        var yReverse = reverse.Forward(reversedTokens, t, b, default, h0.AsSpan(b * h), c0.AsSpan(b * h), null).ToArray();
        Assert.Equal(hT[(b * h)..], reverse.FinalHidden.ToArray());
        Assert.Equal(cT[(b * h)..], reverse.FinalCell.ToArray());
        reverse.Backward(Half(dTop, t, b, h, 1, reversed: true), dhT.AsSpan(b * h), dcT.AsSpan(b * h));

        Assert.Equal(yForward, Half(y, t, b, h, 0, reversed: false));
        Assert.Equal(yReverse, Half(y, t, b, h, 1, reversed: true));
        var (p, pf, pr) = (both.Parameters, forward.Parameters, reverse.Parameters);
        foreach (var slice in pf.Slices.Where(s => s.Name.StartsWith("rnn.")))
        {
            Assert.Equal(pf.Grad(slice).ToArray(), p.Grad(p[slice.Name]).ToArray());
            Assert.Equal(pr.Grad(pr[slice.Name]).ToArray(), p.Grad(p[slice.Name + "_reverse"]).ToArray());
        }
        var embedding = p.Grad(p["embedding.weight"]).ToArray();
        var sum = pf.Grad(pf["embedding.weight"]).ToArray().Zip(pr.Grad(pr["embedding.weight"]).ToArray(), (u, v) => u + v).ToArray();
        Assert.True(embedding.Zip(sum).All(e => Math.Abs(e.First - e.Second) <= 1e-6f * (1 + Math.Abs(e.Second))));
        Assert.Contains(embedding, g => g != 0);
    }

    /// <summary>With embedding dropout on while training, as a job with pretrained vectors may run.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFrozenEmbeddingGetsNoGradientAndTheLayersAboveGetTheSameAsOverATrainableOne(bool bidirectional)
    {
        var frozen = Network(bidirectional: bidirectional, embeddingSize: 100, embeddingDropout: 0.3f);
        frozen.Initialize(new Rng(4));
        var trainable = Network(bidirectional: bidirectional, embeddingSize: 100, embeddingDropout: 0.3f);
        frozen.Parameters.Values.CopyTo(trainable.Parameters.Values, 0);
        frozen.Embedding.FreezeOver(Glove.Value);
        int[] tokens = [1, 2, 3, 4, 5, 1];
        float[] labels = [1, 0];

        foreach (var net in new[] { frozen, trainable })
            net.ClassifierLoss(tokens, 3, 2, [3, 2], labels, backward: true, default, dropoutRng: new Rng(6));

        var p = frozen.Parameters;
        Assert.All(p.Grad(p["embedding.weight"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal(trainable.Parameters.Grads.AsSpan(p["rnn.weight_ih_l0"].Offset).ToArray(), p.Grads.AsSpan(p["rnn.weight_ih_l0"].Offset).ToArray());
        Assert.Contains(p.Grad(p["rnn.weight_ih_l0"]).ToArray(), g => g != 0);
        Assert.Same(Glove.Value, frozen.CloneForInference().Embedding.Pretrained);
    }

    /// <summary>Gradients at the final states [L, B, H] (what a caller carrying state would pass) reach each layer from its own slot.</summary>
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void EachLayersFinalStateGradientReachesThatLayerAndTheOnesBelowOnly(Architecture architecture)
    {
        const int t = 3, b = 2, h = 5;
        foreach (int slot in new[] { 0, 1 })
        {
            var net = Network(architecture, layers: 2, outputSize: 6);
            net.Initialize(new Rng(12));
            var rng = new Rng(13);
            var dState = new float[2 * b * h];
            for (int i = slot * b * h; i < (slot + 1) * b * h; i++) dState[i] = rng.NextGaussian();
            net.Forward([1, 2, 3, 4, 5, 1], t, b, default, default, default, null);

            net.Backward(default, dState, architecture == Architecture.Lstm ? dState : default);

            var p = net.Parameters;
            bool top = p.Grad(p["rnn.weight_hh_l1"]).ToArray().Any(g => g != 0), bottom = p.Grad(p["rnn.weight_hh_l0"]).ToArray().Any(g => g != 0);
            Assert.Equal((slot == 1, true), (top, bottom));
        }
    }

    [Fact]
    public void ASavedModelsPretrainedEmbeddingIsFrozenOverTheSameVectorsWhenTheNetworkIsBuilt()
    {
        var config = new ModelConfig
        {
            Task = TaskKind.Sentiment, Architecture = Architecture.Lstm, VocabularySize = 6, EmbeddingSize = 100, HiddenSize = 5,
            Layers = 1, OutputSize = 1, Vocabulary = ["<pad>", "<unk>", "good", "bad", "film", "plot"],
            Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
            {
                EmbeddingSize = 100, HiddenSize = 5, PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d,
            },
        };

        Assert.Equal(BuiltInWordVectors.Glove6B100d, config.CreateNetwork().Embedding.Pretrained?.Name);
        Assert.Null((config with { Hyperparameters = config.Hyperparameters with { PretrainedEmbeddings = null } }).CreateNetwork().Embedding.Pretrained);
    }

    /// <summary>
    /// With W_hh = 0 a tanh RNN's state depends on the current token only, so a sequence of one token twice ties in every
    /// feature. torch.max gives the first maximum, so the whole gradient goes to step 0, whose previous state is zero, and
    /// dW_hh stays 0; a later step, or an arg max left from the batch before (longer, with its maxima elsewhere), would
    /// make it non-zero.
    /// </summary>
    [Fact]
    public void MaxPoolingSendsATiesGradientToTheFirstStepAsTorchMaxEvenAfterAnotherBatch()
    {
        var net = Network(Architecture.Rnn, pooling: Pooling.Max);
        net.Initialize(new Rng(8));
        var p = net.Parameters;
        p.Value(p["rnn.weight_hh_l0"]).Clear();
        p.MarkChanged();
        net.ClassifierLoss([1, 2, 3, 4, 5, 5, 4, 3, 2, 1], 5, 2, default, [1, 0], backward: true, default);
        Assert.Contains(p.Grad(p["rnn.weight_hh_l0"]).ToArray(), g => g != 0);   // the first batch's maxima are past step 0
        p.ZeroGrads();

        net.ClassifierLoss([3, 3, 2, 2], 2, 2, default, [1, 0], backward: true, default);

        Assert.All(p.Grad(p["rnn.weight_hh_l0"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(p.Grad(p["rnn.weight_ih_l0"]).ToArray(), g => g != 0);
    }

    [Fact]
    public void ALanguageModelWithDropoutDropsBeforeTheHeadWhileTrainingEvenWithOneLayer()
    {
        var net = new RecurrentNetwork(Architecture.Lstm, 6, embeddingSize: 4, hiddenSize: 8, layers: 1, outputSize: 6, dropout: 0.5f);
        net.Initialize(new Rng(2));
        int[] tokens = [1, 2, 3, 4], targets = [2, 3, 4, 5];

        var evaluation = net.LanguageModelLoss(tokens, targets, 4, 1, default, default, default, backward: false).Loss;
        var again = net.LanguageModelLoss(tokens, targets, 4, 1, default, default, default, backward: false).Loss;
        var training = net.LanguageModelLoss(tokens, targets, 4, 1, default, default, default, backward: false, new Rng(3)).Loss;

        Assert.Equal(evaluation, again);
        Assert.NotEqual(evaluation, training);
    }

    private static RecurrentNetwork Network(Architecture architecture = Architecture.Lstm, int layers = 1, Pooling pooling = Pooling.Last,
        bool bidirectional = false, int embeddingSize = 3, int outputSize = 1, float embeddingDropout = 0) =>
        new(architecture, vocabularySize: 6, embeddingSize, hiddenSize: 5, layers, outputSize, embeddingDropout: embeddingDropout,
            pooling: pooling, bidirectional: bidirectional);

    /// <summary>Copies the embedding, one direction's layer-0 weights (as the unidirectional names) and the head.</summary>
    private static void CopyDirection(RecurrentNetwork from, RecurrentNetwork to, string suffix)
    {
        var (source, target) = (from.Parameters, to.Parameters);
        foreach (var slice in target.Slices)
        {
            string name = slice.Name.StartsWith("rnn.") ? slice.Name + suffix : slice.Name;
            if (slice.Name.StartsWith("head.")) continue;   // the head's input width differs; no test here reads it
            source.Value(source[name]).CopyTo(target.Value(slice));
        }
        to.Parameters.MarkChanged();
    }

    /// <summary>One direction's half [T, B, H] of a bidirectional [T, B, 2H] tensor, in that direction's own reading order.</summary>
    private static float[] Half(ReadOnlySpan<float> both, int t, int b, int h, int direction, bool reversed)
    {
        var half = new float[t * b * h];
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++)
                both.Slice(((reversed ? t - 1 - step : step) * b + row) * 2 * h + direction * h, h).CopyTo(half.AsSpan((step * b + row) * h, h));
        return half;
    }

    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
}
