// The optimizers run 8 lanes at a time; these check that every element gets exactly the bits of the
// scalar PyTorch formula (written out here as the reference), for lengths on each side of every multiple of 8,
// with the vector path forced on and off (a machine without AVX runs only the scalar loop).
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Tests.Optimizers;

public class OptimizerVectorTests
{
    public static TheoryData<bool, int> PathsAndLengths()
    {
        var cases = new TheoryData<bool, int>();
        foreach (bool vector in new[] { true, false })
            foreach (int n in new[] { 1, 7, 8, 9, 15, 16, 17, 37, 1000 })
                cases.Add(vector, n);
        return cases;
    }

    [Theory]
    [MemberData(nameof(PathsAndLengths))]
    public void AdamIsBitIdenticalToTheScalarFormula(bool vector, int n)
    {
        var rng = new Random(n);
        float[] p = Random(rng, n), pRef = (float[])p.Clone();
        float[] mRef = new float[n], vRef = new float[n];
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var adam = new Adam(n, lr, b1, b2, eps) { VectorPath = vector };
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
    [MemberData(nameof(PathsAndLengths))]
    public void SgdIsBitIdenticalToTheScalarFormula(bool vector, int n)
    {
        foreach (float momentum in new[] { 0f, 0.9f })
            CheckSgd(vector, momentum, n);
    }

    private static void CheckSgd(bool vector, float momentum, int n)
    {
        var rng = new Random(n + 1);
        float[] p = Random(rng, n), pRef = (float[])p.Clone(), buf = new float[n];
        const float lr = 0.05f;
        var sgd = new Sgd(n, lr, momentum) { VectorPath = vector };
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
