namespace RnnService.Engine.Tuning;

/// <summary>
/// One searched setting: either a list of <see cref="Values"/> (numbers as double, names as string, or bool), or a range
/// [<see cref="Min"/>, <see cref="Max"/>] drawn uniformly, on a log scale when <see cref="Log"/>, rounded to whole numbers
/// when <see cref="Int"/>. <see cref="Name"/> is a hyper-parameter's JSON name ("learningRate") or "architecture".
/// </summary>
public sealed record SearchDimension(string Name, IReadOnlyList<object>? Values = null, double? Min = null, double? Max = null,
    bool Log = false, bool Int = false)
{
    public bool IsList => Values is not null;

    public static SearchDimension List(string name, params object[] values) => new(name, Values: values);

    public static SearchDimension Range(string name, double min, double max, bool log = false, bool integer = false) =>
        new(name, Min: min, Max: max, Log: log, Int: integer);

    /// <summary>The whole numbers an integer range holds (for a grid): ceil(min) to floor(max).</summary>
    public IEnumerable<object> Integers()
    {
        for (var v = Math.Ceiling(Min!.Value); v <= Math.Floor(Max!.Value); v++) yield return v;
    }

    /// <summary>A value drawn from <paramref name="u"/>, uniform in [0, 1).</summary>
    public object Draw(double u)
    {
        if (Values is { } values) return values[Math.Min((int)(u * values.Count), values.Count - 1)];
        double min = Min!.Value, max = Max!.Value;
        if (Int)
        {
            // Each whole number in the range equally likely (or, on a log scale, with the weight of its share of the log range).
            double lo = Math.Ceiling(min) - 0.5, hi = Math.Floor(max) + 0.5;
            var x = Log ? Math.Exp(Math.Log(Math.Max(lo, 0.5)) + u * (Math.Log(hi) - Math.Log(Math.Max(lo, 0.5)))) : lo + u * (hi - lo);
            return Math.Clamp(Math.Round(x, MidpointRounding.AwayFromZero), Math.Ceiling(min), Math.Floor(max));
        }
        return Log ? Math.Exp(Math.Log(min) + u * (Math.Log(max) - Math.Log(min))) : min + u * (max - min);
    }
}
