// The network's optimisation step clips all trained gradients together by their global norm (PyTorch's
// clip_grad_norm_ over model.parameters()), not each tensor by its own: with SGD at learning rate 1 and no momentum the
// step moves every parameter by −g · maxNorm / (‖g‖ + 1e-6), one factor for every tensor.
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Optimizers;

public class GlobalNormClippingTests
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void OneStepScalesEveryTensorsGradientByTheSameGlobalFactor(Architecture architecture)
    {
        var net = new RecurrentNetwork(architecture, vocabularySize: 7, embeddingSize: 3, hiddenSize: 5, layers: 2, outputSize: 2);
        var p = net.Parameters;
        var rng = new Random(17);
        // Tensor norms far apart: the head's gradient alone is above the clip, the embedding's far below it.
        for (int s = 0; s < p.Slices.Count; s++)
        {
            var slice = p.Slices[s];
            float scale = slice.Name.StartsWith("head.", StringComparison.Ordinal) ? 10f : slice.Name == "embedding.weight" ? 0.01f : 0.2f;
            foreach (ref float g in p.Grad(slice)) g = (float)(rng.NextDouble() - 0.5) * scale;
        }
        // Parameters start at zero, so after the step each holds exactly its own update.
        float[] grads = (float[])p.Grads.Clone();
        double norm = Math.Sqrt(grads.Sum(g => (double)g * g));
        const float maxNorm = 0.5f;
        Assert.True(norm > 4 * maxNorm, $"the gradient's norm {norm} must exceed the clip");

        net.Step(new Sgd(p.Count, learningRate: 1), maxNorm);

        double coef = maxNorm / (norm + 1e-6);
        foreach (var slice in p.Slices)
        {
            double worst = 0;
            for (int i = slice.Offset; i < slice.Offset + slice.Length; i++)
            {
                double expected = -grads[i] * coef;
                worst = Math.Max(worst, Math.Abs(p.Values[i] - expected) / (1e-7 + Math.Abs(grads[i] * coef)));
            }
            Assert.True(worst < 1e-5, $"{slice.Name}: the step differs from −g·{coef:g6} by {worst:e2} of the step");
        }
        Assert.All(p.Grads, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void GradientsBelowTheClipAreLeftAsTheyAre()
    {
        float[] g = [0.3f, -0.4f];
        Assert.Equal(0.5f, GradientClipping.ClipByGlobalNorm(g, maxNorm: 0.6f), 6);
        Assert.Equal([0.3f, -0.4f], g);
    }
}
