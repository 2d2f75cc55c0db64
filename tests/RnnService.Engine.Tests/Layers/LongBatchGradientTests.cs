using RnnService.Engine.Core;
using RnnService.Engine.Layers;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Layers;

/// <summary>
/// Weight gradients of batches with at least <see cref="RecurrentLayer.TransposedWeightGradientRows"/>
/// rows take the transposed GEMM path; the golden files and the other gradient checks use short batches.
/// Checked against central finite differences of L = Σ y ⊙ R on a padded batch of T·B = 320 rows
/// (and against PyTorch in Golden/{lstm,gru,rnn}_long.json).
/// </summary>
public class LongBatchGradientTests(ITestOutputHelper output)
{
    // The loss sums 1280 outputs of a 40-step recurrence, so its float32 noise is larger than in the short
    // checks; a wider step keeps that noise below the tolerance (Richardson's O(ε⁴) truncation allows it).
    private const float LongEpsilon = 4e-2f;

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
        var mismatches = FiniteDifferences.Compare(p, analytic, Loss, new Rng(22), output.WriteLine, LongEpsilon);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));

        // The same check fails on a 2 % error planted in the weight gradients of the long-batch path.
        var planted = analytic.Select(g => g * 1.02f).ToArray();
        var caught = FiniteDifferences.Compare(p, planted, Loss, new Rng(22), epsilon: LongEpsilon);
        foreach (var slice in p.Slices) Assert.Contains(caught, m => m.Tensor == slice.Name);
    }
}
