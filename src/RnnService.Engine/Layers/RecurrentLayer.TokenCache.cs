using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

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
    /// Decides whether this pass reads and fills <see cref="InputTokenCache"/>. A pass whose tokens are few and repeated
    /// (a char model's batch: 27 letters in 240 positions) first projects each of them once, by Sgemm, into the cache
    /// (<see cref="ProjectDistinctTokens"/>), training steps included. Otherwise only a second pass at one weight version
    /// fills it, as it projects, so a training step (one forward pass per version) never pays for rows nobody reads again.
    /// </summary>
    private void PrepareTokenCache(ReadOnlySpan<int> tokens, int t, int b)
    {
        _readTokenCache = _fillTokenCache = false;
        var cache = InputTokenCache;
        if (cache is null || tokens.IsEmpty || cache.Rows == 0) return;
        if (_forwardVersion != P.Version) (_forwardVersion, _forwardsAtVersion) = (P.Version, 0);
        _forwardsAtVersion++;
        if (_inputTokens.Length < t * b) _inputTokens = new int[t * b];
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++) _inputTokens[step * b + row] = tokens[row * t + step];
        int distinct = CountDistinctUncached(t * b, DistinctTokenShare);
        _fillTokenCache = _forwardsAtVersion >= 2;
        if (_fillTokenCache || distinct > 0) cache.Allocate();
        _readTokenCache = cache.Allocated;
        if (distinct > 0) ProjectDistinctTokens(distinct);
    }

    /// <summary>A pass projects its distinct tokens ahead when they are at most this share of its positions.</summary>
    private const int DistinctTokenShare = 8;

    private int[] _seenPass = [];            // [Rows] the pass that last counted each token
    private int _pass;
    private int[] _distinctRows = [];        // the first row of each distinct uncached token, in order of appearance
    private float[] _distinctX = [], _distinctXp = [];

    /// <summary>
    /// Counts the distinct cacheable tokens of rows [0, count) whose projection is not cached at this version, listing
    /// the first row of each in _distinctRows; 0 when there are none or more than count / share.
    /// </summary>
    private int CountDistinctUncached(int count, int share)
    {
        var cache = InputTokenCache!;
        if (_seenPass.Length < cache.Rows) _seenPass = new int[cache.Rows];
        if (++_pass == int.MaxValue) { Array.Clear(_seenPass); _pass = 1; }
        int limit = count / share, distinct = 0, version = P.Version;
        if (_distinctRows.Length < limit) _distinctRows = new int[limit];
        for (int i = 0; i < count; i++)
        {
            int token = _inputTokens[i];
            if ((uint)token >= (uint)cache.Rows || _seenPass[token] == _pass) continue;
            _seenPass[token] = _pass;
            if (IsCached(cache, token, version)) continue;
            if (distinct == limit) return 0;
            _distinctRows[distinct++] = i;
        }
        return distinct;
    }

    private static unsafe bool IsCached(TokenProjectionCache cache, int token, int version) => cache.Find(token, version) != null;

    /// <summary>Projects the listed distinct tokens' rows of X with one Sgemm (the chains the fused loop uses) into the cache.</summary>
    private unsafe void ProjectDistinctTokens(int distinct)
    {
        int inp = InputSize, gh = Gates * HiddenSize;
        if (_distinctX.Length < distinct * inp) _distinctX = new float[distinct * inp];
        if (_distinctXp.Length < distinct * gh) _distinctXp = new float[distinct * gh];
        for (int i = 0; i < distinct; i++) X.AsSpan(_distinctRows[i] * inp, inp).CopyTo(_distinctX.AsSpan(i * inp));
        Sgemm.Multiply(distinct, _distinctX, inp, _wihT, _distinctXp, gh, accumulate: false);
        var cache = InputTokenCache!;
        fixed (float* rows = _distinctXp)
            for (int i = 0; i < distinct; i++) cache.Store(_inputTokens[_distinctRows[i]], P.Version, rows + (nint)i * gh);
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
