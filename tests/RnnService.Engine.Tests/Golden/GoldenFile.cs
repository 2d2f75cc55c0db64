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

    private static float[] ToFloats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    /// <summary>Asserts |actual − expected| ≤ tol · max(|expected|, 1) everywhere; reports the worst element.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float tol = 1e-5f)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        int worst = -1;
        float worstErr = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float err = MathF.Abs(actual[i] - expected[i]) / MathF.Max(MathF.Abs(expected[i]), 1f);
            if (!(err <= worstErr)) { worstErr = err; worst = i; }
        }
        Assert.True(worstErr <= tol, $"{what}: worst relative error {worstErr:g3} at [{worst}] (actual {(worst >= 0 ? actual[worst] : 0)}, expected {(worst >= 0 ? expected[worst] : 0)})");
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
