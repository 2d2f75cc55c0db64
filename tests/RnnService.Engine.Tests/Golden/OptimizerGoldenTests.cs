using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Golden;

/// <summary>Optimizer steps and clipping against torch.optim / clip_grad_norm_.</summary>
public class OptimizerGoldenTests
{
    [Fact]
    public void AdamStepsMatchPyTorch()
    {
        var g = GoldenFile.Load("optim_adam.json");
        var p = g.Floats("p0");
        var adam = new Adam(p.Length, g.Float("lr"), g.Float("beta1"), g.Float("beta2"), g.Float("eps"));
        var grads = g.FloatLists("grads");
        var after = g.FloatLists("after");
        for (int s = 0; s < grads.Length; s++)
        {
            adam.Step(p, grads[s]);
            GoldenFile.AssertClose(after[s], p, $"Adam step {s + 1}");
        }
    }

    [Fact]
    public void SgdMomentumStepsMatchPyTorch()
    {
        var g = GoldenFile.Load("optim_sgd_momentum.json");
        var p = g.Floats("p0");
        var sgd = new Sgd(p.Length, g.Float("lr"), g.Float("momentum"));
        var grads = g.FloatLists("grads");
        var after = g.FloatLists("after");
        for (int s = 0; s < grads.Length; s++)
        {
            sgd.Step(p, grads[s]);
            GoldenFile.AssertClose(after[s], p, $"SGD step {s + 1}");
        }
    }

    [Fact]
    public void GlobalNormClippingMatchesPyTorch()
    {
        var g = GoldenFile.Load("clip_grad_norm.json");
        var parts = g.FloatLists("grads");
        var flat = parts.SelectMany(x => x).ToArray();
        float norm = GradientClipping.ClipByGlobalNorm(flat, g.Float("max_norm"));
        GoldenFile.AssertClose([g.Float("total_norm")], [norm], "total norm");
        GoldenFile.AssertClose(g.FloatLists("clipped").SelectMany(x => x).ToArray(), flat, "clipped gradients");
    }
}
