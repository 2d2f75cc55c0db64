using System.Runtime.CompilerServices;

namespace RnnService.Engine.Layers;

// The first layer's input projection read by token (TokenProjectionCache.cs): which passes read and fill the cache,
// and the copies between it and Xp. Rows of Xp are numbered step·B + row, as _inputTokens.
public abstract partial class RecurrentLayer
{
    /// <summary>Set on a first layer fed by an embedding: its input projection by token.</summary>
    internal TokenProjectionCache? InputTokenCache { get; set; }
    private int[] _inputTokens = [];         // [T, B] the token of each input row, while the cache is read
    private bool _readTokenCache, _fillTokenCache;
    private int _forwardVersion = -1, _forwardsAtVersion;

    /// <summary>
    /// Decides whether this pass reads and fills <see cref="InputTokenCache"/>. Only a second pass at one weight version
    /// fills it, so a training step (one forward pass per version) never pays for rows nobody reads again.
    /// </summary>
    private void PrepareTokenCache(ReadOnlySpan<int> tokens, int t, int b)
    {
        _readTokenCache = _fillTokenCache = false;
        var cache = InputTokenCache;
        if (cache is null || tokens.IsEmpty) return;
        if (_forwardVersion != P.Version) (_forwardVersion, _forwardsAtVersion) = (P.Version, 0);
        _forwardsAtVersion++;
        _fillTokenCache = _forwardsAtVersion >= 2 && cache.Rows > 0;
        if (_fillTokenCache) cache.Allocate();
        _readTokenCache = cache.Allocated;
        if (!_readTokenCache) return;
        if (_inputTokens.Length < t * b) _inputTokens = new int[t * b];
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++) _inputTokens[step * b + row] = tokens[row * t + step];
    }

    /// <summary>Copies the cached projections of rows [first, first + count) into Xp, if every one is cached.</summary>
    private unsafe bool CopyCachedProjections(int first, int count)
    {
        if (!_readTokenCache) return false;
        fixed (float* xp = Xp) return CopyCachedProjections(first, count, xp + (nint)first * Gates * HiddenSize);
    }

    /// <summary>Copies the cached projections of rows [first, first + count) to c (their Xp rows), if every one is cached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe bool CopyCachedProjections(int first, int count, float* c)
    {
        var cache = InputTokenCache!;
        int gh = cache.Width, version = P.Version;
        for (int i = 0; i < count; i++)
            if (cache.Find(_inputTokens[first + i], version) == null) return false;
        for (int i = 0; i < count; i++)
        {
            float* row = cache.Find(_inputTokens[first + i], version);
            if (row == null) return false;   // refilled at another version meanwhile: only by a clone whose weights changed
            new ReadOnlySpan<float>(row, gh).CopyTo(new Span<float>(c + (nint)i * gh, gh));
        }
        return true;
    }

    /// <summary>Stores Xp rows [first, first + count) (projected, biases not added) as their tokens' projections, when this pass fills.</summary>
    private unsafe void StoreProjections(int first, int count)
    {
        if (!_fillTokenCache) return;
        fixed (float* xp = Xp) StoreProjections(first, count, xp + (nint)first * Gates * HiddenSize);
    }

    private unsafe void StoreProjections(int first, int count, float* c)
    {
        var cache = InputTokenCache!;
        for (int i = 0; i < count; i++) cache.Store(_inputTokens[first + i], P.Version, c + (nint)i * cache.Width);
    }
}
