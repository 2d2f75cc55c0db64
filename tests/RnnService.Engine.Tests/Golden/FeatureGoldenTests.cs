using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Golden;

/// <summary>Pooling and bidirectional classifiers and AdamW against files made by make_golden_features.py.</summary>
public class FeatureGoldenTests
{
    [Theory]
    [InlineData("features_pooling_mean_lstm_l1.json")]
    [InlineData("features_pooling_max_lstm_l2.json")]
    [InlineData("features_pooling_mean_gru_l2.json")]
    [InlineData("features_pooling_max_gru_l1.json")]
    [InlineData("features_pooling_max_rnn_l1.json")]
    [InlineData("features_bidirectional_last_lstm_l1.json")]
    [InlineData("features_bidirectional_last_lstm_l2.json")]
    [InlineData("features_bidirectional_last_gru_l1.json")]
    [InlineData("features_bidirectional_mean_gru_l2.json")]
    [InlineData("features_bidirectional_max_rnn_l2.json")]
    // Hidden sizes 19 and 37: the layers' 8-lane loops and their scalar tails (3 and 5 lanes).
    [InlineData("features_bidirectional_last_lstm_l2_h19.json")]
    [InlineData("features_bidirectional_mean_lstm_l2_h37.json")]
    [InlineData("features_bidirectional_max_gru_l2_h19.json")]
    [InlineData("features_bidirectional_last_gru_l2_h37.json")]
    public void PooledClassifierMatchesPyTorch(string file)
    {
        var g = GoldenFile.Load(file);
        var net = new RecurrentNetwork(Enum.Parse<Architecture>(g.String("arch"), ignoreCase: true), g.Int("vocab_size"),
            g.Int("embedding_size"), g.Int("hidden_size"), g.Int("layers"), outputSize: 1,
            pooling: Enum.Parse<Pooling>(g.String("pooling"), ignoreCase: true), bidirectional: file.StartsWith("features_bidirectional_", StringComparison.Ordinal));
        // Every tensor of PyTorch's state_dict, under its own name (weight_ih_l0_reverse ...), and nothing else.
        Assert.Equal(g.ParamNames.Order(), net.Parameters.Slices.Select(sl => sl.Name).Order());
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(net.Parameters.Value(net.Parameters[name]));
        net.Parameters.MarkChanged();

        float loss = net.ClassifierLoss(g.Ints("tokens"), g.Int("seq_len"), g.Int("batch"), g.Ints("lengths"), g.Floats("labels"),
            backward: true, default);

        GoldenFile.AssertClose(g.Floats("logits"), net.ClassifierLogits, "logits");
        GoldenFile.AssertClose([g.Float("loss")], [loss], "loss");
        foreach (var name in g.ParamNames)
            GoldenFile.AssertClose(g.Grad(name), net.Parameters.Grad(net.Parameters[name]), $"grad {name}");
    }

    [Fact]
    public void TrainingOverFrozenPretrainedEmbeddingsMatchesPyTorchFromPretrained()
    {
        var g = GoldenFile.Load("features_frozen_embedding.json");
        int v = g.Int("vocab_size"), e = g.Int("embedding_size");
        var net = new RecurrentNetwork(Architecture.Lstm, v, e, g.Int("hidden_size"), layers: 1, outputSize: 1, pooling: Pooling.Max);
        var q = g.Ints("table_int8");
        var table = Embeddings.TinyWordVectors.Create(["w0", "w1", "w2", "w3"],
            Enumerable.Range(0, 4).Select(r => q.Skip(r * e).Take(e).Select(x => (sbyte)x).ToArray()).ToArray(), g.Floats("table_scales"));
        net.Embedding.FreezeOver(table);
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(net.Parameters.Value(net.Parameters[name]));
        net.Parameters.MarkChanged();
        var adam = new Adam(net.Parameters.Count - net.FirstTrainable, g.Float("lr"), weightDecay: g.Float("weight_decay"));
        var logits = g.FloatLists("logits");
        var after = g.NamedFloatLists("after");

        for (int s = 0; s < g.Int("steps"); s++)
        {
            net.ClassifierLoss(g.Ints("tokens"), g.Int("seq_len"), g.Int("batch"), g.Ints("lengths"), g.Floats("labels"), backward: true, default);
            GoldenFile.AssertClose(logits[s], net.ClassifierLogits, $"logits before step {s + 1}");
            net.Step(adam, g.Float("clip"));
            foreach (var (name, expected) in after[s])
                GoldenFile.AssertClose(expected, net.Parameters.Value(net.Parameters[name]), $"{name} after step {s + 1}");
            GoldenFile.AssertClose(g.Param("embedding.weight"), net.Parameters.Value(net.Embedding.Weight), "the frozen embedding");
        }
    }

    [Fact]
    public void SgdStepsUnderAClipThatEveryStepExceedsMatchPyTorch()
    {
        // clip_grad_norm_ over every parameter, embedding included: one factor for all tensors, every step.
        var g = GoldenFile.Load("features_sgd_clip.json");
        var net = new RecurrentNetwork(Architecture.Gru, g.Int("vocab_size"), g.Int("embedding_size"), g.Int("hidden_size"), layers: 2, outputSize: 1);
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(net.Parameters.Value(net.Parameters[name]));
        net.Parameters.MarkChanged();
        var sgd = new Sgd(net.Parameters.Count, g.Float("lr"), g.Float("momentum"));
        var logits = g.FloatLists("logits");
        var norms = g.Floats("total_norms");
        var after = g.NamedFloatLists("after");
        Assert.All(norms, n => Assert.True(n > 2 * g.Float("clip"), $"PyTorch's total norm {n} must exceed the clip"));

        for (int s = 0; s < g.Int("steps"); s++)
        {
            net.ClassifierLoss(g.Ints("tokens"), g.Int("seq_len"), g.Int("batch"), g.Ints("lengths"), g.Floats("labels"), backward: true, default);
            GoldenFile.AssertClose(logits[s], net.ClassifierLogits, $"logits before step {s + 1}");
            GoldenFile.AssertClose([norms[s]], [GlobalNorm(net.Parameters.Grads)], $"total norm at step {s + 1}");
            net.Step(sgd, g.Float("clip"));
            foreach (var (name, expected) in after[s])
                GoldenFile.AssertClose(expected, net.Parameters.Value(net.Parameters[name]), $"{name} after step {s + 1}");
        }
    }

    private static float GlobalNorm(float[] values) => (float)Math.Sqrt(values.Sum(v => (double)v * v));

    [Fact]
    public void AdamWithWeightDecayMatchesTorchAdamW()
    {
        var g = GoldenFile.Load("features_adamw.json");
        var p = g.Floats("p0");
        var adam = new Adam(p.Length, g.Float("lr"), g.Float("beta1"), g.Float("beta2"), g.Float("eps"), g.Float("weight_decay"));
        var grads = g.FloatLists("grads");
        var after = g.FloatLists("after");
        for (int s = 0; s < grads.Length; s++)
        {
            adam.Step(p, grads[s]);
            GoldenFile.AssertClose(after[s], p, $"AdamW step {s + 1}", tol: 1e-6f);
        }
    }
}
