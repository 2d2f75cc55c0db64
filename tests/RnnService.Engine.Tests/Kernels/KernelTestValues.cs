namespace RnnService.Engine.Tests.Kernels;

/// <summary>Operands for the kernel tests: floats uniform in [-1, 1), drawn in order from the given generator.</summary>
internal static class KernelTestValues
{
    public static float[] Random(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
