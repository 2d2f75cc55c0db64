// The optimizers run 8 lanes at a time; these check that every element gets exactly the bits of the
// scalar PyTorch formula (written out here as the reference), for lengths with and without a tail.
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Optimizers;

public class OptimizerVectorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(1000)]
    public void AdamIsBitIdenticalToTheScalarFormula(int n)
    {
        var rng = new Random(n);
        float[] p = Random(rng, n), pRef = (float[])p.Clone();
        float[] mRef = new float[n], vRef = new float[n];
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var adam = new Adam(n, lr, b1, b2, eps);
        for (int step = 1; step <= 5; step++)
        {
            float[] g = Random(rng, n);
            adam.Step(p, g);
            float stepSize = (float)(lr / (1 - Math.Pow(b1, step)));
            float inv = (float)(1 / Math.Sqrt(1 - Math.Pow(b2, step)));
            for (int i = 0; i < n; i++)
            {
                float m = mRef[i] = b1 * mRef[i] + (1 - b1) * g[i];
                float v = vRef[i] = b2 * vRef[i] + (1 - b2) * g[i] * g[i];
                pRef[i] -= stepSize * m / (MathF.Sqrt(v) * inv + eps);
            }
            Assert.Equal(pRef, p);
            Assert.Equal(mRef, adam.StateBuffers[0]);
            Assert.Equal(vRef, adam.StateBuffers[1]);
        }
    }

    [Theory]
    [InlineData(0f, 37)]
    [InlineData(0.9f, 37)]
    [InlineData(0.9f, 1024)]
    [InlineData(0f, 5)]
    public void SgdIsBitIdenticalToTheScalarFormula(float momentum, int n)
    {
        var rng = new Random(n + 1);
        float[] p = Random(rng, n), pRef = (float[])p.Clone(), buf = new float[n];
        const float lr = 0.05f;
        var sgd = new Sgd(n, lr, momentum);
        for (int step = 0; step < 4; step++)
        {
            float[] g = Random(rng, n);
            sgd.Step(p, g);
            for (int i = 0; i < n; i++)
            {
                if (momentum == 0) { pRef[i] -= lr * g[i]; continue; }
                buf[i] = step == 0 ? g[i] : momentum * buf[i] + g[i];
                pRef[i] -= lr * buf[i];
            }
            Assert.Equal(pRef, p);
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
