using System.Runtime.CompilerServices;
using RnnService.Engine.Core;
using RnnService.Engine.Layers;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Models;

/// <summary>
/// Embedding (embedding dropout while training) → 1..3 stacked recurrent layers (dropout between them and
/// before the head while training) → linear head,
/// with PyTorch state_dict names: embedding.weight, rnn.weight_ih_l{k} ..., head.weight, head.bias.
/// Holds its own workspaces, so one instance serves one thread; <see cref="CloneForInference"/>
/// makes another over the same weights.
/// </summary>
public sealed partial class RecurrentNetwork
{
    public Architecture Architecture { get; }
    public int VocabularySize { get; }
    public int EmbeddingSize { get; }
    public int HiddenSize { get; }
    public int LayerCount { get; }
    public int OutputSize { get; }
    /// <summary>Dropout between stacked layers and before the head, while training.</summary>
    public float DropoutProbability { get; }
    /// <summary>Dropout on the embedding output, while training.</summary>
    public float EmbeddingDropoutProbability { get; }
    /// <summary>How <see cref="ClassifierLoss"/> reads the top layer's outputs.</summary>
    public Pooling Pooling { get; }
    /// <summary>Each layer also runs backwards over every sequence's real steps (classifiers only); its output is [forward, backward].</summary>
    public bool Bidirectional { get; }
    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;
    /// <summary>Width of a layer's output and of the head's input: Directions · HiddenSize.</summary>
    public int FeatureSize => Directions * HiddenSize;
    public ParameterSet Parameters { get; }
    public Embedding Embedding { get; }
    public RecurrentLayer[] Layers { get; }
    public Linear Head { get; }
    public bool HasCellState => Architecture == Architecture.Lstm;

    private readonly Dropout[] _dropouts;
    private readonly Dropout _embeddingDropout, _headDropout;
    private bool _dropoutActive, _embeddingDropoutActive;
    private int _t, _b;
    private int[] _tokens = [], _lengths = [];
    private float[] _emb = [], _dEmb = [];
    private float[][] _outputs, _dOutputs;
    private float[] _hT = [], _cT = [], _zeroStates = [];

    public RecurrentNetwork(Architecture architecture, int vocabularySize, int embeddingSize, int hiddenSize,
        int layers, int outputSize, float dropout = 0, float embeddingDropout = 0, Pooling pooling = Pooling.Last, bool bidirectional = false)
        : this(architecture, vocabularySize, embeddingSize, hiddenSize, layers, outputSize, dropout, embeddingDropout, pooling, bidirectional, shareValuesWith: null)
    {
    }

    private RecurrentNetwork(Architecture architecture, int vocabularySize, int embeddingSize, int hiddenSize,
        int layers, int outputSize, float dropout, float embeddingDropout, Pooling pooling, bool bidirectional, ParameterSet? shareValuesWith)
    {
        if (!Enum.IsDefined(pooling)) throw new ArgumentException($"Unknown pooling {pooling}.", nameof(pooling));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        if (layers is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(layers), "Between 1 and 3 recurrent layers.");
        if (!Enum.IsDefined(architecture)) throw new ArgumentException($"Unknown architecture {architecture}.", nameof(architecture));
        Architecture = architecture;
        VocabularySize = vocabularySize;
        EmbeddingSize = embeddingSize;
        HiddenSize = hiddenSize;
        LayerCount = layers;
        OutputSize = outputSize;
        DropoutProbability = dropout;
        EmbeddingDropoutProbability = embeddingDropout;
        Pooling = pooling;
        Bidirectional = bidirectional;
        Parameters = new ParameterSet();
        Embedding = new Embedding(Parameters, "embedding.weight", vocabularySize, embeddingSize);
        // Layer l, direction d is Layers[l·D + d], in PyTorch's state_dict order (..._l0, ..._l0_reverse, ..._l1).
        Layers = new RecurrentLayer[layers * Directions];
        for (int l = 0; l < layers; l++)
            for (int d = 0; d < Directions; d++)
            {
                int input = l == 0 ? embeddingSize : FeatureSize;
                string suffix = d == 0 ? "" : "_reverse";
                Layers[l * Directions + d] = architecture switch
                {
                    Architecture.Lstm => new LstmLayer(Parameters, "rnn.", l, input, hiddenSize, suffix),
                    Architecture.Gru => new GruLayer(Parameters, "rnn.", l, input, hiddenSize, suffix),
                    _ => new TanhRnnLayer(Parameters, "rnn.", l, input, hiddenSize, suffix),
                };
            }
        Head = new Linear(Parameters, "head.", FeatureSize, outputSize);
        Layers[0].InputVocabulary = vocabularySize;
        int projectionWidth = Layers[0].Gates * hiddenSize;
        Layers[0].InputTokenCache = new TokenProjectionCache(
            (int)Math.Min(vocabularySize, TokenProjectionCacheBytes / (projectionWidth * sizeof(float))), projectionWidth);
        // FirstTrainable skips a frozen embedding by starting after it: that needs it to be the first slice.
        if (Embedding.Weight.Offset != 0) throw new InvalidOperationException("The embedding must be the first parameter.");
        if (shareValuesWith is null) Parameters.Allocate();
        else Parameters.AllocateSharing(shareValuesWith);
        _dropouts = new Dropout[Math.Max(0, layers - 1)];
        for (int l = 0; l < _dropouts.Length; l++) _dropouts[l] = new Dropout(dropout);
        _embeddingDropout = new Dropout(embeddingDropout);
        _headDropout = new Dropout(dropout);
        _outputs = new float[layers][];
        _dOutputs = new float[layers][];
        for (int l = 0; l < layers; l++) { _outputs[l] = []; _dOutputs[l] = []; }
    }

    /// <summary>PyTorch's default initialisation for each module, in module order.</summary>
    public void Initialize(Rng rng)
    {
        Embedding.Initialize(rng);
        foreach (var layer in Layers) layer.Initialize(rng);
        Head.Initialize(rng);
        Parameters.MarkChanged();
    }

    /// <summary>Another network with its own workspaces reading the same weight buffer (for concurrent inference).</summary>
    public RecurrentNetwork CloneForInference()
    {
        var clone = new RecurrentNetwork(Architecture, VocabularySize, EmbeddingSize, HiddenSize, LayerCount, OutputSize, DropoutProbability,
            EmbeddingDropoutProbability, Pooling, Bidirectional, shareValuesWith: Parameters);
        if (Embedding.Pretrained is { } vectors) clone.Embedding.FreezeOver(vectors);
        clone.Layers[0].InputTokenCache = Layers[0].InputTokenCache;   // same weights, same projections
        return clone;
    }

    /// <summary>
    /// Memory for the first layer's input projection by token (shared with the network's inference clones): up to
    /// this many bytes of rows of G·H floats, for the lowest token ids (the most frequent words: WordTokenizer
    /// numbers them by frequency). 16 MiB holds 8192 tokens at h128 LSTM, 4096 at h256. Set before networks are made; 0 turns the cache off.
    /// </summary>
    public static long TokenProjectionCacheBytes
    {
        get => Volatile.Read(ref s_tokenProjectionCacheBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref s_tokenProjectionCacheBytes, value);
        }
    }

    private static long s_tokenProjectionCacheBytes = 16L << 20;

    /// <summary>
    /// Where the trained parameters start in the flat buffers: after the embedding (the first slice) when it is
    /// frozen, so the optimizer and gradient clipping see only what is trained (PyTorch skips a frozen weight's
    /// None gradient in both).
    /// </summary>
    public int FirstTrainable => Embedding.Frozen ? Embedding.Weight.Offset + Embedding.Weight.Length : 0;

    /// <summary>
    /// One optimisation step from the gradients a backward pass left: clip the trained parameters' gradients by
    /// their global norm, update those parameters, and zero every gradient. The optimizer holds state for
    /// Parameters.Count − <see cref="FirstTrainable"/> values.
    /// </summary>
    public void Step(Optimizer optimizer, float clipNorm)
    {
        var p = Parameters;
        int first = FirstTrainable;
        GradientClipping.ClipByGlobalNorm(p.Grads.AsSpan(first), clipNorm);
        optimizer.Step(p.Values.AsSpan(first), p.Grads.AsSpan(first));
        p.MarkChanged();
        p.ZeroGrads();
    }

    /// <summary>Size of one stacked state tensor [L·D, B, H].</summary>
    public int StateSize(int batch) => LayerCount * Directions * batch * HiddenSize;

    /// <summary>
    /// tokens [B, T] batch-first; lengths[b] in 1..T (empty: all T); h0/c0 [L·D, B, H] (empty: zeros).
    /// dropoutRng non-null turns on embedding dropout and dropout between layers (training); the objectives add the
    /// head's. Returns the top layer's output [T, B, D·H]; final states are in <see cref="FinalHidden"/>/<see cref="FinalCell"/>
    /// [L·D, B, H] as PyTorch's h_n (a backward direction's final state is its state at the first token).
    /// keepForBackward false: no <see cref="Backward"/> follows (inference), so the layers keep no activations for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Rng? dropoutRng, bool keepForBackward = true)
    {
        _t = t; _b = b;
        int e = EmbeddingSize, h = HiddenSize, bh = b * h;
        Ensure(ref _tokens, t * b); tokens[..(t * b)].CopyTo(_tokens);
        Ensure(ref _lengths, b);
        for (int i = 0; i < b; i++)
        {
            int len = lengths.IsEmpty ? t : lengths[i];
            if (len < 1 || len > t) throw new ArgumentOutOfRangeException(nameof(lengths), $"Length {len} is outside 1..{t}.");
            _lengths[i] = len;
        }
        Ensure(ref _emb, t * b * e);
        Ensure(ref _hT, LayerCount * Directions * bh);
        Ensure(ref _cT, LayerCount * Directions * bh);
        Embedding.Forward(tokens, t, b, _emb);
        _dropoutActive = dropoutRng != null && DropoutProbability > 0;
        _embeddingDropoutActive = dropoutRng != null && EmbeddingDropoutProbability > 0;
        if (_embeddingDropoutActive) _embeddingDropout.Forward(_emb.AsSpan(0, t * b * e), dropoutRng!);
        ReadOnlySpan<float> input = _emb.AsSpan(0, t * b * e);
        int width = e;
        for (int l = 0; l < LayerCount; l++)
        {
            Ensure(ref _outputs[l], t * b * FeatureSize);
            var y = _outputs[l].AsSpan(0, t * b * FeatureSize);
            var inputTokens = l == 0 && !_embeddingDropoutActive ? tokens : default;
            if (Bidirectional) ForwardBothDirections(l, input, inputTokens, width, h0, c0, y, keepForBackward);
            else Layers[l].Forward(input, inputTokens, t, b, _lengths.AsSpan(0, b),
                h0.IsEmpty ? default : h0.Slice(l * bh, bh),
                c0.IsEmpty || !HasCellState ? default : c0.Slice(l * bh, bh),
                y, _hT.AsSpan(l * bh, bh), HasCellState ? _cT.AsSpan(l * bh, bh) : default, keepForBackward);
            if (_dropoutActive && l < LayerCount - 1) _dropouts[l].Forward(y, dropoutRng!);
            input = y;
            width = FeatureSize;
        }
        if (Bidirectional) GatherTopFinalHidden();
        return input;
    }

    public ReadOnlySpan<float> FinalHidden => _hT.AsSpan(0, LayerCount * Directions * _b * HiddenSize);
    public ReadOnlySpan<float> FinalCell => HasCellState ? _cT.AsSpan(0, LayerCount * Directions * _b * HiddenSize) : default;

    /// <summary>
    /// The last layer's final state [B, D·H]: each sequence's state at its own last real token, and when bidirectional
    /// the backward direction's state at its first token beside it (PyTorch: cat(h_n[-2], h_n[-1])).
    /// </summary>
    public ReadOnlySpan<float> TopFinalHidden => Bidirectional
        ? _topFinal.AsSpan(0, _b * FeatureSize)
        : _hT.AsSpan((LayerCount - 1) * _b * HiddenSize, _b * HiddenSize);

    /// <summary>
    /// Backward through the stack and the embedding after <see cref="Forward"/>: dTop [T, B, D·H] (may be empty),
    /// dhT/dcT [L·D, B, H] (may be empty). Adds into Parameters.Grads. States entering the sequence are
    /// treated as constants (truncated BPTT).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<float> dTop, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT)
    {
        int t = _t, b = _b, h = HiddenSize, bh = b * h, e = EmbeddingSize, f = FeatureSize;
        ReadOnlySpan<float> dy = dTop;
        for (int l = LayerCount - 1; l >= 0; l--)
        {
            Span<float> dx;
            if (l > 0) { Ensure(ref _dOutputs[l - 1], t * b * f); dx = _dOutputs[l - 1].AsSpan(0, t * b * f); }
            else if (Embedding.Frozen) dx = default;   // nothing below a frozen embedding learns: skip that GEMM
            else { Ensure(ref _dEmb, t * b * e); dx = _dEmb.AsSpan(0, t * b * e); }
            if (Bidirectional) BackwardBothDirections(l, dy, dhT, dcT, dx, l > 0 ? f : e);
            else Layers[l].Backward(dy, dhT.IsEmpty ? default : dhT.Slice(l * bh, bh),
                dcT.IsEmpty || !HasCellState ? default : dcT.Slice(l * bh, bh), dx, default, default);
            if (l > 0 && _dropoutActive) _dropouts[l - 1].Backward(dx);
            dy = dx;
        }
        if (Embedding.Frozen) return;
        if (_embeddingDropoutActive) _embeddingDropout.Backward(_dEmb.AsSpan(0, t * b * e));
        Embedding.Backward(_tokens, t, b, _lengths.AsSpan(0, b), _dEmb);
    }

    internal static void Ensure<T>(ref T[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new T[size];
    }
}
