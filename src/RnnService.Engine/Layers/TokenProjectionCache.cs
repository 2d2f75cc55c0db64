namespace RnnService.Engine.Layers;

/// <summary>
/// The first layer's input projection x_t·W_ihᵀ + biases by token: x_t is the embedding row of the token at t, so while
/// the weights stay the same (inference, call after call) each token's projected row is the same, and the forward pass
/// can copy it instead of computing it (W4 LSTM: a quarter of the forward pass's FLOPs). Rows hold the bits the fused
/// loop's projection gives, biases added, so reading one changes no result.
/// A row is valid for the weight version (ParameterSet.Version) stamped beside it. One cache is shared by a network and
/// its inference clones, which read the same weight buffer at the same version; rows are written before their stamp,
/// and two threads that fill the same row write the same bits.
/// Token ids at or above <see cref="Rows"/> (the memory cap; words of a frozen pretrained table past the vocabulary)
/// are always projected.
/// </summary>
internal sealed class TokenProjectionCache
{
    private readonly object _allocation = new();
    private float[]? _values;   // [Rows, Width], pinned
    private int[]? _versions;   // [Rows]: the weight version each row was filled at, −1 never

    /// <param name="rows">Token ids 0..rows−1 are cached.</param>
    /// <param name="width">Floats a row: the layer's G·H.</param>
    public TokenProjectionCache(int rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Rows = rows;
        Width = width;
    }

    public int Rows { get; }
    public int Width { get; }

    /// <summary>Whether the memory is allocated (on the first fill, not for a network that only trains).</summary>
    public bool Allocated => Volatile.Read(ref _versions) != null;

    /// <summary>Allocates the rows once, whichever network sharing the cache asks first.</summary>
    public void Allocate()
    {
        if (Allocated || Rows == 0) return;
        lock (_allocation)
        {
            if (_versions != null) return;
            _values = GC.AllocateArray<float>(Rows * Width, pinned: true);
            var versions = new int[Rows];
            Array.Fill(versions, -1);
            Volatile.Write(ref _versions, versions);
        }
    }

    /// <summary>The projection row of <paramref name="token"/> at <paramref name="version"/>, or null when it is not cached.</summary>
    public unsafe float* Find(int token, int version)
    {
        var versions = Volatile.Read(ref _versions);
        if (versions == null || (uint)token >= (uint)Rows || Volatile.Read(ref versions[token]) != version) return null;
        fixed (float* values = _values) return values + (nint)token * Width;   // pinned: the pointer stays valid
    }

    /// <summary>Stores <paramref name="row"/> (Width floats) as the projection of <paramref name="token"/> at <paramref name="version"/>.</summary>
    public unsafe void Store(int token, int version, float* row)
    {
        var versions = Volatile.Read(ref _versions);
        if (versions == null || (uint)token >= (uint)Rows) return;
        fixed (float* values = _values) new ReadOnlySpan<float>(row, Width).CopyTo(new Span<float>(values + (nint)token * Width, Width));
        Volatile.Write(ref versions[token], version);
    }
}
