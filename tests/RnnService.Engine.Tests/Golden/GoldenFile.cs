using System.Text.Json;

namespace RnnService.Engine.Tests.Golden;

/// <summary>Reads a JSON file written by make_golden.py (flat float arrays in PyTorch layouts).</summary>
public sealed class GoldenFile
{
    private readonly JsonElement _root;

    private GoldenFile(JsonElement root) => _root = root;

    public static GoldenFile Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return new GoldenFile(doc.RootElement.Clone());
    }

    public int Int(string key) => _root.GetProperty(key).GetInt32();
    public float Float(string key) => _root.GetProperty(key).GetSingle();
    public string String(string key) => _root.GetProperty(key).GetString()!;
    public bool Has(string key) => _root.TryGetProperty(key, out _);
    public float[] Floats(string key) => ToFloats(_root.GetProperty(key));
    public int[] Ints(string key) => _root.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
    public float[] Param(string name) => ToFloats(_root.GetProperty("params").GetProperty(name));
    public float[] Grad(string name) => ToFloats(_root.GetProperty("grads").GetProperty(name));
    public IEnumerable<string> ParamNames => _root.GetProperty("params").EnumerateObject().Select(p => p.Name);
    public float[][] FloatLists(string key) => _root.GetProperty(key).EnumerateArray().Select(ToFloats).ToArray();
    /// <summary>A list of {name: flat floats} objects (parameters after each step).</summary>
    public Dictionary<string, float[]>[] NamedFloatLists(string key) => _root.GetProperty(key).EnumerateArray()
        .Select(o => o.EnumerateObject().ToDictionary(p => p.Name, p => ToFloats(p.Value))).ToArray();

    private static float[] ToFloats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    /// <summary>Absolute floor of the tolerance, so an all-zero tensor (pad rows) compares exactly enough.</summary>
    public const float AbsoluteFloor = 1e-7f;

    /// <summary>
    /// Asserts |actual[i] − expected[i]| ≤ tol · max|expected| + 1e-7 for every element: the tolerance scales
    /// with the tensor, so a gradient whose values are all around 1e-5 is still checked to 1e-5 of its size.
    /// Reports the worst element.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float tol = 1e-5f)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        var (ratio, worst, allowed) = WorstError(expected, actual, tol);
        Assert.True(ratio <= 1, $"{what}: worst error {(worst >= 0 ? MathF.Abs(actual[worst] - expected[worst]) : 0):g3} at [{worst}] " +
            $"(actual {(worst >= 0 ? actual[worst] : 0)}, expected {(worst >= 0 ? expected[worst] : 0)}) exceeds {allowed:g3} = {tol:g2} · max|expected| + {AbsoluteFloor:g1}");
    }

    /// <summary>The largest |actual − expected| over the allowed error, its index, and the allowed error.</summary>
    public static (float Ratio, int Index, float Allowed) WorstError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol)
    {
        float scale = 0;
        foreach (float e in expected) scale = MathF.Max(scale, MathF.Abs(e));
        float allowed = tol * scale + AbsoluteFloor;
        int worst = -1;
        float worstRatio = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float ratio = MathF.Abs(actual[i] - expected[i]) / allowed;
            if (float.IsNaN(ratio)) return (float.NaN, i, allowed);   // fails "ratio <= 1"
            if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
        }
        return (worstRatio, worst, allowed);
    }

    /// <summary>[B, T, X] batch-first → [T, B, X] time-major (and back with swapped arguments).</summary>
    public static float[] SwapBatchTime(float[] data, int outer, int inner, int width)
    {
        var result = new float[data.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                Array.Copy(data, (o * inner + i) * width, result, (i * outer + o) * width, width);
        return result;
    }
}
