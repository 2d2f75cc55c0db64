namespace RnnService.Engine.Tests.Reference;

/// <summary>
/// Reverse-mode differentiation over doubles, one scalar at a time (micrograd's Value): every operation appends a node
/// with at most two inputs and its local derivatives; <see cref="Backward"/> walks the nodes in reverse. Slow, simple
/// and float64: the reference the engine's float32 gradients are checked against.
/// </summary>
internal sealed class Tape
{
    private readonly List<double> _values = [];
    private readonly List<(int A, double DA, int B, double DB)> _inputs = [];
    private double[] _grads = [];

    public Var Leaf(double value) => Add(value, -1, 0, -1, 0);

    internal Var Add(double value, int a, double da, int b, double db)
    {
        _values.Add(value);
        _inputs.Add((a, da, b, db));
        return new Var(this, _values.Count - 1);
    }

    public double Value(int id) => _values[id];

    /// <summary>d(output)/d(node) for every node recorded so far.</summary>
    public void Backward(Var output)
    {
        _grads = new double[_values.Count];
        _grads[output.Id] = 1;
        for (int i = output.Id; i >= 0; i--)
        {
            double g = _grads[i];
            if (g == 0) continue;
            var (a, da, b, db) = _inputs[i];
            if (a >= 0) _grads[a] += g * da;
            if (b >= 0) _grads[b] += g * db;
        }
    }

    public double Grad(Var v) => _grads[v.Id];
}

/// <summary>A scalar on a <see cref="Tape"/>.</summary>
internal readonly record struct Var(Tape Tape, int Id)
{
    public double Value => Tape.Value(Id);

    public static Var operator +(Var x, Var y) => x.Tape.Add(x.Value + y.Value, x.Id, 1, y.Id, 1);
    public static Var operator -(Var x, Var y) => x.Tape.Add(x.Value - y.Value, x.Id, 1, y.Id, -1);
    public static Var operator *(Var x, Var y) => x.Tape.Add(x.Value * y.Value, x.Id, y.Value, y.Id, x.Value);
    public static Var operator *(Var x, double c) => x.Tape.Add(x.Value * c, x.Id, c, -1, 0);
    public static Var operator -(double c, Var x) => x.Tape.Add(c - x.Value, x.Id, -1, -1, 0);

    public Var Tanh()
    {
        double t = Math.Tanh(Value);
        return Tape.Add(t, Id, 1 - t * t, -1, 0);
    }

    public Var Sigmoid()
    {
        double s = 1 / (1 + Math.Exp(-Value));
        return Tape.Add(s, Id, s * (1 - s), -1, 0);
    }

    public Var Exp()
    {
        double e = Math.Exp(Value);
        return Tape.Add(e, Id, e, -1, 0);
    }

    public Var Log() => Tape.Add(Math.Log(Value), Id, 1 / Value, -1, 0);

    /// <summary>log(1 + exp(x)), stable for either sign.</summary>
    public Var Softplus() => Tape.Add(Math.Max(Value, 0) + Math.Log(1 + Math.Exp(-Math.Abs(Value))), Id, 1 / (1 + Math.Exp(-Value)), -1, 0);

    public static Var Sum(IEnumerable<Var> terms)
    {
        Var? total = null;
        foreach (var t in terms) total = total is { } s ? s + t : t;
        return total ?? throw new ArgumentException("Nothing to sum.", nameof(terms));
    }

    /// <summary>Σ w[i]·x[i] + bias.</summary>
    public static Var Dot(ReadOnlySpan<Var> w, ReadOnlySpan<Var> x, Var bias)
    {
        var s = bias;
        for (int i = 0; i < w.Length; i++) s += w[i] * x[i];
        return s;
    }
}
