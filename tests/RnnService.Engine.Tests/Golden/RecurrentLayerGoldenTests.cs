using RnnService.Engine.Core;
using RnnService.Engine.Layers;

namespace RnnService.Engine.Tests.Golden;

/// <summary>Outputs, final states and every gradient of stacked layers against PyTorch (packed, different lengths).</summary>
public class RecurrentLayerGoldenTests
{
    [Theory]
    [InlineData("lstm_l1.json")]
    [InlineData("lstm_l2.json")]
    [InlineData("gru_l1.json")]
    [InlineData("gru_l2.json")]
    [InlineData("rnn_l1.json")]
    [InlineData("rnn_l2.json")]
    [InlineData("lstm_long.json")]   // T·B = 320 rows: the long-batch weight-gradient path
    [InlineData("gru_long.json")]
    [InlineData("rnn_long.json")]
    public void LayerMatchesPyTorchForwardAndBackward(string file)
    {
        var g = GoldenFile.Load(file);
        string arch = g.String("arch");
        int I = g.Int("input_size"), H = g.Int("hidden_size"), L = g.Int("layers"), B = g.Int("batch"), T = g.Int("seq_len");
        int[] lengths = g.Ints("lengths");
        bool lstm = arch == "lstm";
        if (file.Contains("long")) Assert.True(T * B >= RecurrentLayer.TransposedWeightGradientRows);

        var p = new ParameterSet();
        var layers = new RecurrentLayer[L];
        for (int l = 0; l < L; l++)
        {
            int input = l == 0 ? I : H;
            layers[l] = arch switch
            {
                "lstm" => new LstmLayer(p, "", l, input, H),
                "gru" => new GruLayer(p, "", l, input, H),
                _ => new TanhRnnLayer(p, "", l, input, H),
            };
        }
        p.Allocate();
        foreach (var name in g.ParamNames) g.Param(name).CopyTo(p.Value(p[name]));
        p.MarkChanged();

        int bh = B * H;
        float[] x = GoldenFile.SwapBatchTime(g.Floats("x"), B, T, I);
        float[] h0 = g.Floats("h0"), c0 = lstm ? g.Floats("c0") : [];
        var ys = new float[L][];
        var hn = new float[L * bh];
        var cn = new float[L * bh];
        float[] input0 = x;
        for (int l = 0; l < L; l++)
        {
            ys[l] = new float[T * bh];
            layers[l].Forward(input0, T, B, lengths, h0.AsSpan(l * bh, bh), lstm ? c0.AsSpan(l * bh, bh) : default,
                ys[l], hn.AsSpan(l * bh, bh), lstm ? cn.AsSpan(l * bh, bh) : default);
            input0 = ys[l];
        }
        GoldenFile.AssertClose(g.Floats("output"), GoldenFile.SwapBatchTime(ys[L - 1], T, B, H), "output");
        GoldenFile.AssertClose(g.Floats("h_n"), hn, "h_n");
        if (lstm) GoldenFile.AssertClose(g.Floats("c_n"), cn, "c_n");

        float[] dout = GoldenFile.SwapBatchTime(g.Floats("dout"), B, T, H);
        float[] dhn = g.Floats("dh_n"), dcn = lstm ? g.Floats("dc_n") : [];
        var dh0 = new float[L * bh];
        var dc0 = new float[L * bh];
        float[] dy = dout;
        float[] dx = [];
        for (int l = L - 1; l >= 0; l--)
        {
            dx = new float[T * B * layers[l].InputSize];
            layers[l].Backward(dy, dhn.AsSpan(l * bh, bh), lstm ? dcn.AsSpan(l * bh, bh) : default,
                dx, dh0.AsSpan(l * bh, bh), lstm ? dc0.AsSpan(l * bh, bh) : default);
            dy = dx;
        }
        GoldenFile.AssertClose(g.Grad("x"), GoldenFile.SwapBatchTime(dx, T, B, I), "grad x");
        GoldenFile.AssertClose(g.Grad("h0"), dh0, "grad h0");
        if (lstm) GoldenFile.AssertClose(g.Grad("c0"), dc0, "grad c0");
        foreach (var name in g.ParamNames)
            GoldenFile.AssertClose(g.Grad(name), p.Grad(p[name]), $"grad {name}");
    }
}
