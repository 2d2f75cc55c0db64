using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Golden;

/// <summary>Whole models (embedding → RNN → head → loss) against PyTorch: logits, loss and every parameter gradient.</summary>
public class ModelGoldenTests
{
    private static RecurrentNetwork Build(GoldenFile g, int outputs)
    {
        var arch = Enum.Parse<Architecture>(g.String("arch"), ignoreCase: true);
        var net = new RecurrentNetwork(arch, g.Int("vocab_size"), g.Int("embedding_size"), g.Int("hidden_size"), g.Int("layers"), outputs);
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(net.Parameters.Value(net.Parameters[name]));
        net.Parameters.MarkChanged();
        return net;
    }

    [Theory]
    [InlineData("model_sentiment_lstm.json")]
    [InlineData("model_sentiment_gru.json")]
    [InlineData("model_sentiment_rnn.json")]
    public void SentimentModelMatchesPyTorch(string file)
    {
        var g = GoldenFile.Load(file);
        var net = Build(g, 1);
        int b = g.Int("batch"), t = g.Int("seq_len");
        float loss = net.ClassifierLoss(g.Ints("tokens"), t, b, g.Ints("lengths"), g.Floats("labels"), backward: true, default);
        GoldenFile.AssertClose(g.Floats("logits"), net.ClassifierLogits, "logits");
        GoldenFile.AssertClose([g.Float("loss")], [loss], "loss");
        foreach (var name in g.ParamNames)
            GoldenFile.AssertClose(g.Grad(name), net.Parameters.Grad(net.Parameters[name]), $"grad {name}");
    }

    [Theory]
    [InlineData("model_charlm_lstm.json")]
    [InlineData("model_charlm_gru.json")]
    [InlineData("model_charlm_rnn.json")]
    [InlineData("model_charlm_lstm_l2.json")]
    public void CharLanguageModelMatchesPyTorch(string file)
    {
        var g = GoldenFile.Load(file);
        int v = g.Int("vocab_size"), b = g.Int("batch"), t = g.Int("seq_len");
        var net = Build(g, v);
        int[] targets = g.Ints("targets");
        var (loss, count) = net.LanguageModelLoss(g.Ints("tokens"), targets, t, b, g.Ints("lengths"), default, default, backward: true);
        Assert.Equal(targets.Count(x => x >= 0), count);
        var logits = GoldenFile.SwapBatchTime(net.LanguageModelLogits.ToArray(), t, b, v);
        var expected = g.Floats("logits");
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] >= 0)
                GoldenFile.AssertClose(expected.AsSpan(i * v, v), logits.AsSpan(i * v, v), $"logits row {i}");
        GoldenFile.AssertClose([g.Float("loss")], [loss], "loss");
        foreach (var name in g.ParamNames)
            GoldenFile.AssertClose(g.Grad(name), net.Parameters.Grad(net.Parameters[name]), $"grad {name}");
    }
}
