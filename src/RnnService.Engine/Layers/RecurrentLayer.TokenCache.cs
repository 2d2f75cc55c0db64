using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

// The first layer fed by tokens: its input projection read by token (TokenProjectionCache.cs: which passes read and
// fill the cache, the copies between it and Xp), and the backward pass of a batch of few distinct tokens, which sums
// DXp by token. Rows of X and Xp are numbered step·B + row, as _inputTokens.
public abstract partial class RecurrentLayer
{
    /// <summary>Set on a first layer fed by an embedding: its input projection by token.</summary>
    internal TokenProjectionCache? InputTokenCache { get; set; }
    /// <summary>Set on a first layer fed by an embedding: its token ids are below this (the vocabulary size).</summary>
    internal int InputVocabulary { get; set; }
    private int[] _inputTokens = [];         // [T, B] the token of each input row, while the cache is read
    private bool _readTokenCache, _fillTokenCache;
    private int _forwardVersion = -1, _forwardsAtVersion;

    /// <summary>
    /// Decides whether this pass reads and fills <see cref="InputTokenCache"/>. A pass whose tokens are few and repeated
    /// (a char model's batch: 27 letters in 240 positions) first projects each of them once, by Sgemm, into the cache
    /// (<see cref="ProjectDistinctTokens"/>), training steps included. Otherwise only a second pass at one weight version
    /// fills it, as it projects, so a training step (one forward pass per version) never pays for rows nobody reads again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrepareTokenCache(ReadOnlySpan<int> tokens, int t, int b)
    {
        _readTokenCache = _fillTokenCache = false;
        _passTokens = 0;
        if (tokens.IsEmpty || InputVocabulary == 0) return;
        if (_inputTokens.Length < t * b) _inputTokens = new int[t * b];
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++) _inputTokens[step * b + row] = tokens[row * t + step];
        _passTokens = t * b;
        var cache = InputTokenCache;
        if (cache is null || cache.Rows == 0) return;
        if (_forwardVersion != P.Version) (_forwardVersion, _forwardsAtVersion) = (P.Version, 0);
        _forwardsAtVersion++;
        int distinct = CountDistinctUncached(t * b, DistinctTokenShare);
        _fillTokenCache = _forwardsAtVersion >= 2;
        if (_fillTokenCache || distinct > 0) cache.Allocate();
        _readTokenCache = cache.Allocated;
        if (distinct > 0) ProjectDistinctTokens(distinct);
    }

    /// <summary>A pass projects its distinct tokens ahead when they are at most this share of its positions.</summary>
    private const int DistinctTokenShare = 8;

    private int[] _seenPass = [];            // [InputVocabulary] the pass that last counted each token
    private int _pass;
    private int[] _distinctRows = [];        // the first row of each distinct uncached token, in order of appearance
    private float[] _distinctX = [], _distinctXp = [];

    /// <summary>
    /// Counts the distinct cacheable tokens of rows [0, count) whose projection is not cached at this version, listing
    /// the first row of each in _distinctRows; 0 when there are none or more than count / share.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CountDistinctUncached(int count, int share)
    {
        var cache = InputTokenCache!;
        if (_seenPass.Length < InputVocabulary) _seenPass = new int[InputVocabulary];
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
        if (_distinctXp.Length < distinct * gh) _distinctXp = new float[distinct * gh];
        GatherDistinctInputs(distinct);
        Sgemm.Multiply(distinct, _distinctX, inp, _wihT, _distinctXp, gh, accumulate: false);
        AddInputBiases(_distinctXp, distinct);
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

    /// <summary>Stores Xp rows [first, first + count) (projected, biases added) as their tokens' projections, when this pass fills.</summary>
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

    // The backward pass of a pass over few distinct tokens. dW_ih = DXpᵀ·X and dx = DXp·W_ih are linear in the rows of DXp,
    // and rows of one token have the same x (its embedding row), so with D[u] = Σ DXp rows of token u:
    //   dW_ih += Dᵀ · X_U   and   Σ over token u's rows of dx = D[u] · W_ih,
    // which is all the embedding's backward pass reads of dx (it adds each real row into its token's gradient). So dx gets
    // D[u]·W_ih in the first real row of each token and zeros in the others: U rows of products instead of T·B. The sums
    // are rounded in another order than row by row: the gradients match within rounding, not bit for bit.
    private int _passTokens;                 // T·B when _inputTokens holds this pass's tokens (the embedding fed it), else 0
    private int[] _slotOfToken = [];         // [InputVocabulary] the distinct slot of each token in this backward pass
    private float[] _groupedDXp = [], _groupedDx = [];   // [U, GH], [U, I]

    /// <summary>Whether a backward pass over tokens sums DXp by token (tests: the row-by-row products instead).</summary>
    [ThreadStatic] internal static bool? ForcedRowByRowBackward;

    /// <summary>
    /// Sums DXp by token into _groupedDXp when the last forward pass was fed few distinct tokens (at most an eighth of its
    /// real rows, every one in the vocabulary; whatever the cache holds, so that training results do not depend on
    /// its size), listing in _distinctRows the first real row of each and gathering its X row
    /// into _distinctX; returns how many (0: the row-by-row products instead).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int GroupGradientsByToken()
    {
        int vocabulary = InputVocabulary;
        if (_passTokens != T * B || ForcedRowByRowBackward == true) return 0;
        int b = B, gh = Gates * HiddenSize, realRows = 0;
        for (int row = 0; row < b; row++) realRows += Lengths[row];
        int limit = realRows / DistinctTokenShare, distinct = 0;
        if (_seenPass.Length < vocabulary) _seenPass = new int[vocabulary];
        if (_slotOfToken.Length < vocabulary) _slotOfToken = new int[vocabulary];
        if (_distinctRows.Length < limit) _distinctRows = new int[limit];
        if (++_pass == int.MaxValue) { Array.Clear(_seenPass); _pass = 1; }
        for (int i = 0; i < _passTokens; i++)
        {
            if (i / b >= Lengths[i % b]) continue;   // a padded step: its DXp row is zero and the embedding skips it
            int token = _inputTokens[i];
            if ((uint)token >= (uint)vocabulary) return 0;   // a frozen table's word past the vocabulary
            if (_seenPass[token] == _pass) continue;
            if (distinct == limit) return 0;
            _seenPass[token] = _pass;
            _slotOfToken[token] = distinct;
            _distinctRows[distinct++] = i;
        }
        if (distinct == 0) return 0;
        if (_groupedDXp.Length < distinct * gh) _groupedDXp = new float[distinct * gh];
        var grouped = _groupedDXp.AsSpan(0, distinct * gh);
        grouped.Clear();
        for (int i = 0; i < _passTokens; i++)
        {
            if (i / b >= Lengths[i % b]) continue;
            var sum = grouped.Slice(_slotOfToken[_inputTokens[i]] * gh, gh);
            RowOps.Add(sum, DXp.AsSpan(i * gh, gh), sum);
        }
        GatherDistinctInputs(distinct);
        return distinct;
    }

    /// <summary>_distinctX [U, I] = the X rows _distinctRows lists (each distinct token's embedding row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GatherDistinctInputs(int distinct)
    {
        int inp = InputSize;
        if (_distinctX.Length < distinct * inp) _distinctX = new float[distinct * inp];
        for (int u = 0; u < distinct; u++) X.AsSpan(_distinctRows[u] * inp, inp).CopyTo(_distinctX.AsSpan(u * inp));
    }

    /// <summary>dW_ih += Dᵀ · X_U over the distinct tokens GroupGradientsByToken listed.</summary>
    private void AddGroupedInputWeightGradient(int distinct)
    {
        int gh = Gates * HiddenSize, inp = InputSize;
        Sgemm.Multiply(true, false, gh, inp, distinct, _groupedDXp, gh, _distinctX, inp, P.Grad(WeightIh), inp, accumulate: true);
    }

    /// <summary>dx: D[u]·W_ih in the first real row of each distinct token, zeros in every other row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteGroupedInputGradient(int distinct, Span<float> dx)
    {
        int gh = Gates * HiddenSize, inp = InputSize;
        if (_groupedDx.Length < distinct * inp) _groupedDx = new float[distinct * inp];
        Sgemm.Multiply(false, false, distinct, inp, gh, _groupedDXp, gh, P.Value(WeightIh), inp, _groupedDx, inp, accumulate: false);
        dx[..(T * B * inp)].Clear();
        for (int u = 0; u < distinct; u++) _groupedDx.AsSpan(u * inp, inp).CopyTo(dx.Slice(_distinctRows[u] * inp, inp));
    }
}
