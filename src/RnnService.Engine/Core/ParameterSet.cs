namespace RnnService.Engine.Core;

/// <summary>A named view into <see cref="ParameterSet"/>: Offset/Length index the flat buffers.</summary>
public sealed record ParameterSlice(string Name, int[] Shape, int Offset, int Length);

/// <summary>
/// All parameters of a model in one flat buffer, with a gradient buffer of the same layout
/// (llm.c's ParameterTensors): zeroing, clipping, optimizers and serialization are single loops.
/// </summary>
public sealed class ParameterSet
{
    private readonly List<ParameterSlice> _slices = [];
    private readonly Dictionary<string, ParameterSlice> _byName = [];
    private float[] _values = [];
    private float[] _grads = [];
    private bool _sealed;

    public IReadOnlyList<ParameterSlice> Slices => _slices;
    public int Count { get; private set; }
    public float[] Values => _sealed ? _values : throw new InvalidOperationException("Parameters are not allocated yet.");
    public float[] Grads => _sealed ? _grads : throw new InvalidOperationException("Parameters are not allocated yet.");

    /// <summary>Bumped whenever values change (optimizer step, load), so layers know to repack weights.</summary>
    public int Version { get; private set; }

    public ParameterSlice Add(string name, params int[] shape)
    {
        if (_sealed) throw new InvalidOperationException("Cannot add parameters after allocation.");
        int length = 1;
        foreach (int d in shape) length = checked(length * d);
        var slice = new ParameterSlice(name, shape, Count, length);
        _slices.Add(slice);
        _byName.Add(name, slice);
        Count = checked(Count + length);
        return slice;
    }

    /// <summary>Allocates the flat buffers once every slice is declared.</summary>
    public void Allocate()
    {
        _values = new float[Count];
        _grads = new float[Count];
        _sealed = true;
    }

    public ParameterSlice this[string name] => _byName[name];
    public bool Contains(string name) => _byName.ContainsKey(name);

    public Span<float> Value(ParameterSlice s) => Values.AsSpan(s.Offset, s.Length);
    public Span<float> Grad(ParameterSlice s) => Grads.AsSpan(s.Offset, s.Length);

    /// <summary>
    /// Allocates as a view of another set's values with the same layout and no gradient buffer:
    /// inference workspaces read a trained model's weights without copying them.
    /// </summary>
    public void AllocateSharing(ParameterSet other)
    {
        if (_sealed) throw new InvalidOperationException("Parameters are already allocated.");
        if (other.Count != Count || other.Slices.Count != _slices.Count) throw new ArgumentException("Parameter layouts differ.", nameof(other));
        _values = other.Values;
        _grads = [];
        Version = other.Version;
        _sealed = true;
    }

    public void ZeroGrads() => Array.Clear(Grads);
    public void MarkChanged() => Version++;
}
