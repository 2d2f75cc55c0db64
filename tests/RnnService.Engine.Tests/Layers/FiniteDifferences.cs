using RnnService.Engine.Core;

namespace RnnService.Engine.Tests.Layers;

/// <summary>
/// Finite differences against analytic gradients, parameter by parameter. Each numeric gradient is the
/// Richardson extrapolation (4·D(ε/2) − D(ε)) / 3 of central differences D(h) = (L(θ+h) − L(θ−h)) / 2h,
/// whose error is O(ε⁴): a plain central difference at ε = 1e-2 was off by 2.5 % on a tanh-RNN weight
/// (measured: D → −0.00600 as h → 0, D(1e-2) = −0.00584). The engine is float32 only, so the loss
/// carries a rounding noise of about 1e-6 of its value, a few 1e-5 in the numeric gradient. Hence the
/// error measure |n − a| / max(|n| + |a|, 1e-2) and the tolerance 5e-3: about 1 % relative for gradients
/// above 5e-3, 5e-5 absolute below.
/// </summary>
internal static class FiniteDifferences
{
    public const float Epsilon = 2e-2f;
    public const double Tolerance = 5e-3;
    public const double Floor = 1e-2;
    /// <summary>Tensors up to this size are checked at every element; larger ones at this many distinct elements.</summary>
    public const int MaxChecked = 40;

    public sealed record Mismatch(string Tensor, int Index, double Numeric, double Analytic, double Error)
    {
        public override string ToString() => $"{Tensor}[{Index}]: numeric {Numeric:G6}, analytic {Analytic:G6}, error {Error:E2}";
    }

    public static double Error(double numeric, double analytic)
        => Math.Abs(numeric - analytic) / Math.Max(Math.Abs(numeric) + Math.Abs(analytic), Floor);

    /// <summary>Every index when length ≤ MaxChecked, otherwise MaxChecked distinct ones (seeded partial shuffle).</summary>
    public static int[] Indices(int length, Rng rng)
    {
        var all = Enumerable.Range(0, length).ToArray();
        if (length <= MaxChecked) return all;
        for (int i = 0; i < MaxChecked; i++)
        {
            int j = i + rng.NextInt(length - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..MaxChecked];
    }

    /// <summary>Numeric gradient with respect to values[i], Richardson-extrapolated (value restored; changed runs after every write).</summary>
    public static double Numeric(float[] values, int i, Func<double> loss, Action? changed = null, float epsilon = Epsilon)
    {
        double wide = Central(values, i, loss, changed, epsilon), narrow = Central(values, i, loss, changed, epsilon / 2);
        return (4 * narrow - wide) / 3;
    }

    private static double Central(float[] values, int i, Func<double> loss, Action? changed, float h)
    {
        float saved = values[i];
        float up = saved + h, down = saved - h;
        values[i] = up; changed?.Invoke(); double plus = loss();
        values[i] = down; changed?.Invoke(); double minus = loss();
        values[i] = saved; changed?.Invoke();
        return (plus - minus) / ((double)up - down);   // the step float32 actually took
    }

    /// <summary>
    /// Compares analytic (laid out like p.Grads) with finite differences of loss at the checked indices of
    /// every tensor; returns the elements beyond the tolerance and logs each tensor's worst error.
    /// </summary>
    public static List<Mismatch> Compare(ParameterSet p, float[] analytic, Func<double> loss, Rng rng, Action<string>? log = null, float epsilon = Epsilon)
    {
        var mismatches = new List<Mismatch>();
        foreach (var slice in p.Slices)
        {
            double worst = 0;
            foreach (int k in Indices(slice.Length, rng))
            {
                int i = slice.Offset + k;
                double numeric = Numeric(p.Values, i, loss, p.MarkChanged, epsilon);
                double error = Error(numeric, analytic[i]);
                worst = Math.Max(worst, error);
                if (!(error < Tolerance)) mismatches.Add(new Mismatch(slice.Name, k, numeric, analytic[i], error));
            }
            log?.Invoke($"{slice.Name}: worst error {worst:E2}");
        }
        return mismatches;
    }
}
