// What the small layers promise besides the equations the golden files check (Linear, Losses, Embedding, Dropout):
// the shapes and settings they reject, the edges of their inputs (a batch of only padding, a logit far from zero, a
// frozen embedding's ids past the vocabulary) and the state they keep between forward and backward. Found by
// mutation testing (docs/testing.md): the golden and gradient tests reach these layers only through whole networks.
using RnnService.Engine.Core;
using RnnService.Engine.Layers;
using RnnService.Engine.Tests.Embeddings;

namespace RnnService.Engine.Tests.Layers;

public class LayerContractTests
{
    [Fact]
    public void LayersWithAnEmptyDimensionAreRejectedNamingIt()
    {
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(new ParameterSet(), "", 0, 2)).ParamName);
        Assert.Equal("outputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(new ParameterSet(), "", 2, 0)).ParamName);
        Assert.Equal("vocabularySize", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(new ParameterSet(), "e", 0, 2)).ParamName);
        Assert.Equal("embeddingSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(new ParameterSet(), "e", 2, 0)).ParamName);
    }

    [Fact]
    public void InitializationDrawsEveryTensorFromPyTorchsDistribution()
    {
        // Recurrent layers: uniform in ±1/√H; Linear: uniform in ±1/√I; Embedding: N(0, 1).
        var p = new ParameterSet();
        var gru = new GruLayer(p, "", 0, 3, 16);
        var linear = new Linear(p, "head.", 25, 16);
        var embedding = new Embedding(p, "embedding.weight", 50, 20);
        p.Allocate();
        var rng = new Rng(1);
        gru.Initialize(rng);
        linear.Initialize(rng);
        embedding.Initialize(rng);

        foreach (var slice in new[] { gru.WeightIh, gru.WeightHh, gru.BiasIh, gru.BiasHh })
            AssertSpread(p.Value(slice).ToArray(), 1 / 4f, slice.Name);
        AssertSpread(p.Value(linear.Weight).ToArray(), 1 / 5f, "head.weight");
        AssertSpread(p.Value(linear.Bias).ToArray(), 1 / 5f, "head.bias");
        var normal = p.Value(embedding.Weight).ToArray();
        double mean = normal.Average(v => (double)v), deviation = Math.Sqrt(normal.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(deviation, 0.9, 1.1);

        static void AssertSpread(float[] values, float bound, string name)
        {
            Assert.All(values, v => Assert.InRange(v, -bound, bound));
            Assert.True(values.Max() > bound / 2 && values.Min() < -bound / 2, $"{name} does not fill ±{bound}");
        }
    }

    [Fact]
    public void SigmoidIsExactAtZeroAndStaysFiniteAndPositiveFarFromIt()
    {
        Assert.Equal(0.5f, Losses.Sigmoid(0f));
        Assert.Equal(1f, Losses.Sigmoid(100f));                          // e^100 / (1 + e^100) would be ∞/∞
        Assert.Equal(MathF.Exp(-100f) / (1 + MathF.Exp(-100f)), Losses.Sigmoid(-100f));
        Assert.True(Losses.Sigmoid(-100f) > 0);                          // 1 / (1 + e^100) would round to 0
    }

    [Fact]
    public void PaddingHasNoLossAndClearsItsGradientRowsOfWhatTheyHeldBefore()
    {
        float[] logits = [1, 2, 3, 4, 5, 6], gradients = [9, 9, 9, 9, 9, 9];
        Assert.Equal((0f, 0), Losses.SoftmaxCrossEntropy(logits, 3, [-1, -1], gradients));
        Assert.All(gradients, g => Assert.Equal(0f, g));
        Assert.Equal((0f, 0), Losses.SoftmaxCrossEntropy(logits, 3, [-1, -1], default));

        gradients = [9, 9, 9, 9, 9, 9];
        Assert.Equal(1, Losses.SoftmaxCrossEntropy(logits, 3, [-1, 2], gradients).Count);
        Assert.Equal([0f, 0, 0], gradients[..3]);
    }

    [Fact]
    public void LogitsFarApartGiveAFiniteLossAndGradient()
    {
        // log Σ e^z is taken after subtracting the largest logit; e^(400 + 400) would overflow even a double.
        var gradients = new float[2];
        var (loss, _) = Losses.SoftmaxCrossEntropy([400, -400], 2, [1], gradients);
        Assert.Equal(800f, loss);
        Assert.Equal([1f, -1], gradients);
    }

    [Fact]
    public void ALinearLayerAddsItsWeightGradientToWhatIsThere()
    {
        var p = new ParameterSet();
        var linear = new Linear(p, "head.", inputSize: 2, outputSize: 3);
        p.Allocate();
        float[] x = [1, -1, 2, 0.5f], dy = [1, 0, 2, -1, 1, 0.5f];   // N = 2 rows
        linear.Backward(x, dy, 2, default);
        linear.Backward(x, dy, 2, default);
        // dW = dYᵀ·X = [[-1, -1.5], [2, 0.5], [3, -1.75]] and db = [0, 1, 2.5], each added twice.
        Assert.Equal([-2f, -3, 4, 1, 6, -3.5f], p.Grad(linear.Weight).ToArray());
        Assert.Equal([0f, 2, 5], p.Grad(linear.Bias).ToArray());
    }

    [Fact]
    public void ATargetOutsideTheVocabularyIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy([1, 2, 3], 3, [3], new float[3]));
        Assert.Equal("targets", error.ParamName);
    }

    [Fact]
    public void AnEmbeddingLooksUpBatchFirstTokensIntoTimeMajorRowsAndAddsGradientsOnlyForRealPositions()
    {
        var (embedding, p) = Embedding3x2();
        int[] tokens = [2, 0, 1, 1];   // [B 2, T 2]: row 0 is "2 0", row 1 is "1 1"
        var output = new float[8];
        embedding.Forward(tokens, 2, 2, output);
        Assert.Equal([20f, 21, 10, 11, 0, 1, 10, 11], output);   // [T, B, E]: step 0 rows 0, 1; then step 1

        float[] dOutput = [1, 2, 3, 4, 5, 6, 7, 8];
        embedding.Backward(tokens, 2, 2, [1, 2], dOutput);       // row 0's second step is padding
        Assert.Equal([0f, 0, 3 + 7, 4 + 8, 1, 2], p.Grad(embedding.Weight).ToArray());
        embedding.Backward(tokens, 2, 2, default, dOutput);       // no lengths: every step is real
        Assert.Equal([5f, 6, 20, 24, 2, 4], p.Grad(embedding.Weight).ToArray());
        Assert.Equal("tokens", Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward([3], 1, 1, new float[2])).ParamName);
        Assert.Equal("tokens", Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward([-1], 1, 1, new float[2])).ParamName);
    }

    [Fact]
    public void AFrozenEmbeddingCopiesTheTableRowsOfItsWordsReadsIdsPastItsVocabularyFromTheTableAndLearnsNothing()
    {
        var (embedding, p) = Embedding3x2();
        var table = TinyWordVectors.Create(["cat", "dog"], [[1, 2], [3, 4]], [0.5f, 1f]);
        Assert.Throws<InvalidOperationException>(() => embedding.CopyPretrainedRows(["a", "b", "c"]));
        Assert.Equal("vectors", Assert.Throws<ArgumentNullException>(() => embedding.FreezeOver(null!)).ParamName);
        var wide = TinyWordVectors.Create(["cat"], [[1, 2, 3]], [1f]);
        Assert.Equal("vectors", Assert.Throws<ArgumentException>(() => embedding.FreezeOver(wide)).ParamName);
        Assert.False(embedding.Frozen);

        embedding.FreezeOver(table);
        Assert.Equal("vocabulary", Assert.Throws<ArgumentException>(() => embedding.CopyPretrainedRows(["dog", "cat"])).ParamName);
        int version = p.Version;
        embedding.CopyPretrainedRows(["dog", "<unk>", "cat"]);
        Assert.Equal([3f, 4, 10, 11, 0.5f, 1], p.Value(embedding.Weight).ToArray());   // "<unk>" keeps its own row
        Assert.True(p.Version > version, "the layers must repack weights after the copy");

        var output = new float[6];
        embedding.Forward([1, 3, 4], 3, 1, output);              // ids 3 and 4: the table's rows 0 and 1
        Assert.Equal([10f, 11, 0.5f, 1, 3, 4], output);
        Assert.Equal("tokens", Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward([5], 1, 1, new float[2])).ParamName);

        embedding.Backward([0, 1, 2], 3, 1, default, [1, 1, 1, 1, 1, 1]);
        Assert.All(p.Grad(embedding.Weight).ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void ADropoutProbabilityOutsideZeroToOneIsRejected(float probability)
    {
        Assert.Equal("probability", Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(probability)).ParamName);
    }

    [Fact]
    public void DropoutZeroesWhatItsRngDrawsBelowTheProbabilityScalesTheRestAndMasksTheGradientTheSameWay()
    {
        var dropout = new Dropout(0.25f);
        float[] x = Enumerable.Range(1, 64).Select(i => (float)i).ToArray(), original = (float[])x.Clone();
        dropout.Forward(x, new Rng(3));

        var draws = new Rng(3);
        var scale = original.Select(_ => draws.NextFloat() < 0.25f ? 0f : 1 / 0.75f).ToArray();
        Assert.Contains(0f, scale);
        Assert.Equal(original.Select((v, i) => v * scale[i]), x);

        float[] dy = Enumerable.Repeat(3f, 64).ToArray();
        dropout.Backward(dy);
        Assert.Equal(scale.Select(s => 3 * s), dy);

        var never = new Dropout(0f);
        float[] kept = (float[])original.Clone();
        never.Forward(kept, new Rng(3));
        Assert.Equal(original, kept);
    }

    /// <summary>A vocabulary of 3 by 2 dimensions whose row i is [10·i, 10·i + 1].</summary>
    private static (Embedding Embedding, ParameterSet P) Embedding3x2()
    {
        var p = new ParameterSet();
        var embedding = new Embedding(p, "embedding.weight", 3, 2);
        p.Allocate();
        float[] rows = [0, 1, 10, 11, 20, 21];
        rows.CopyTo(p.Value(embedding.Weight));
        return (embedding, p);
    }
}
