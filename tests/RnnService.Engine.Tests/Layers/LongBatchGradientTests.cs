using RnnService.Engine.Core;
using RnnService.Engine.Layers;

namespace RnnService.Engine.Tests.Layers;

/// <summary>
/// Weight gradients of batches with at least <see cref="RecurrentLayer.TransposedWeightGradientRows"/>
/// rows take the transposed GEMM path; the golden files and the other gradient checks use short batches.
/// Checked against central finite differences of L = Σ y ⊙ R on a padded batch of T·B = 320 rows.
/// </summary>
public class LongBatchGradientTests
{
    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void WeightGradientsOfALongBatchMatchFiniteDifferences(string arch)
    {
        const int I = 3, H = 4, T = 40, B = 8;
        Assert.True(T * B >= RecurrentLayer.TransposedWeightGradientRows);
        var p = new ParameterSet();
        RecurrentLayer layer = arch switch
        {
            "lstm" => new LstmLayer(p, "", 0, I, H),
            "gru" => new GruLayer(p, "", 0, I, H),
            _ => new TanhRnnLayer(p, "", 0, I, H),
        };
        p.Allocate();
        var rng = new Rng(21);
        rng.FillUniform(p.Values, -0.6f, 0.6f);
        p.MarkChanged();
        var x = new float[T * B * I];
        var r = new float[T * B * H];
        rng.FillUniform(x, -1, 1);
        rng.FillUniform(r, -1, 1);
        int[] lengths = [40, 33, 40, 7, 1, 40, 20, 39];
        var y = new float[T * B * H];
        var hT = new float[B * H];
        var cT = new float[B * H];

        double Loss()
        {
            layer.Forward(x, T, B, lengths, default, default, y, hT, layer.HasCellState ? cT : default);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)y[i] * r[i];
            return sum;
        }

        Loss();
        p.ZeroGrads();
        layer.Backward(r, default, default, default, default, default);
        var analytic = (float[])p.Grads.Clone();
        const float eps = 1e-2f;
        foreach (var slice in p.Slices)
            for (int k = 0; k < slice.Length; k += 3)
            {
                int i = slice.Offset + k;
                float saved = p.Values[i];
                p.Values[i] = saved + eps; p.MarkChanged(); double plus = Loss();
                p.Values[i] = saved - eps; p.MarkChanged(); double minus = Loss();
                p.Values[i] = saved; p.MarkChanged();
                double numeric = (plus - minus) / (2 * eps);
                double error = Math.Abs(numeric - analytic[i]) / Math.Max(Math.Abs(numeric) + Math.Abs(analytic[i]), 1e-2);
                Assert.True(error < 2e-2, $"{slice.Name}[{k}]: numeric {numeric}, analytic {analytic[i]}");
            }
    }
}
