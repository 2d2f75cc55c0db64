using RnnService.Engine.Core;
using RnnService.Engine.Layers;

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
        int layers, int outputSize, float dropout = 0, float embeddingDropout = 0, Pooling pooling = Pooling.Last)
        : this(architecture, vocabularySize, embeddingSize, hiddenSize, layers, outputSize, dropout, embeddingDropout, pooling, shareValuesWith: null)
    {
    }

    private RecurrentNetwork(Architecture architecture, int vocabularySize, int embeddingSize, int hiddenSize,
        int layers, int outputSize, float dropout, float embeddingDropout, Pooling pooling, ParameterSet? shareValuesWith)
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
        Parameters = new ParameterSet();
        Embedding = new Embedding(Parameters, "embedding.weight", vocabularySize, embeddingSize);
        Layers = new RecurrentLayer[layers];
        for (int l = 0; l < layers; l++)
        {
            int input = l == 0 ? embeddingSize : hiddenSize;
            Layers[l] = architecture switch
            {
                Architecture.Lstm => new LstmLayer(Parameters, "rnn.", l, input, hiddenSize),
                Architecture.Gru => new GruLayer(Parameters, "rnn.", l, input, hiddenSize),
                _ => new TanhRnnLayer(Parameters, "rnn.", l, input, hiddenSize),
            };
        }
        Head = new Linear(Parameters, "head.", hiddenSize, outputSize);
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
    public RecurrentNetwork CloneForInference() =>
        new(Architecture, VocabularySize, EmbeddingSize, HiddenSize, LayerCount, OutputSize, DropoutProbability,
            EmbeddingDropoutProbability, Pooling, shareValuesWith: Parameters);

    /// <summary>Size of one stacked state tensor [L, B, H].</summary>
    public int StateSize(int batch) => LayerCount * batch * HiddenSize;

    /// <summary>
    /// tokens [B, T] batch-first; lengths[b] in 1..T (empty: all T); h0/c0 [L, B, H] (empty: zeros).
    /// dropoutRng non-null turns on embedding dropout and dropout between layers (training); the objectives add the head's. Returns the top layer's
    /// output [T, B, H]; final states are in <see cref="FinalHidden"/>/<see cref="FinalCell"/> [L, B, H].
    /// </summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Rng? dropoutRng)
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
        Ensure(ref _hT, LayerCount * bh);
        Ensure(ref _cT, LayerCount * bh);
        Embedding.Forward(tokens, t, b, _emb);
        _dropoutActive = dropoutRng != null && DropoutProbability > 0;
        _embeddingDropoutActive = dropoutRng != null && EmbeddingDropoutProbability > 0;
        if (_embeddingDropoutActive) _embeddingDropout.Forward(_emb.AsSpan(0, t * b * e), dropoutRng!);
        ReadOnlySpan<float> input = _emb.AsSpan(0, t * b * e);
        for (int l = 0; l < LayerCount; l++)
        {
            Ensure(ref _outputs[l], t * bh);
            var y = _outputs[l].AsSpan(0, t * bh);
            Layers[l].Forward(input, t, b, _lengths.AsSpan(0, b),
                h0.IsEmpty ? default : h0.Slice(l * bh, bh),
                c0.IsEmpty || !HasCellState ? default : c0.Slice(l * bh, bh),
                y, _hT.AsSpan(l * bh, bh), HasCellState ? _cT.AsSpan(l * bh, bh) : default);
            if (_dropoutActive && l < LayerCount - 1) _dropouts[l].Forward(y, dropoutRng!);
            input = y;
        }
        return input;
    }

    public ReadOnlySpan<float> FinalHidden => _hT.AsSpan(0, LayerCount * _b * HiddenSize);
    public ReadOnlySpan<float> FinalCell => HasCellState ? _cT.AsSpan(0, LayerCount * _b * HiddenSize) : default;

    /// <summary>The last layer's final state [B, H]: each sequence's state at its own last real token.</summary>
    public ReadOnlySpan<float> TopFinalHidden => _hT.AsSpan((LayerCount - 1) * _b * HiddenSize, _b * HiddenSize);

    /// <summary>
    /// Backward through the stack and the embedding after <see cref="Forward"/>: dTop [T, B, H] (may be empty),
    /// dhT/dcT [L, B, H] (may be empty). Adds into Parameters.Grads. States entering the sequence are
    /// treated as constants (truncated BPTT).
    /// </summary>
    public void Backward(ReadOnlySpan<float> dTop, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT)
    {
        int t = _t, b = _b, h = HiddenSize, bh = b * h, e = EmbeddingSize;
        ReadOnlySpan<float> dy = dTop;
        for (int l = LayerCount - 1; l >= 0; l--)
        {
            Span<float> dx;
            if (l > 0) { Ensure(ref _dOutputs[l - 1], t * bh); dx = _dOutputs[l - 1].AsSpan(0, t * bh); }
            else { Ensure(ref _dEmb, t * b * e); dx = _dEmb.AsSpan(0, t * b * e); }
            Layers[l].Backward(dy, dhT.IsEmpty ? default : dhT.Slice(l * bh, bh),
                dcT.IsEmpty || !HasCellState ? default : dcT.Slice(l * bh, bh), dx, default, default);
            if (l > 0 && _dropoutActive) _dropouts[l - 1].Backward(dx);
            dy = dx;
        }
        if (_embeddingDropoutActive) _embeddingDropout.Backward(_dEmb.AsSpan(0, t * b * e));
        Embedding.Backward(_tokens, t, b, _lengths.AsSpan(0, b), _dEmb);
    }

    internal static void Ensure<T>(ref T[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new T[size];
    }
}
