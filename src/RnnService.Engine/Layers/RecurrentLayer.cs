using System.Runtime.CompilerServices;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>
/// Shared machinery of the LSTM, GRU and tanh RNN layers, with PyTorch's parameter layout:
///   weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H].
/// Tensors are time-major: x [T, B, I], y [T, B, H], states [B, H].
///
/// Forward: one GEMM projects all time steps, Xp[T*B, GH] = X · W_ihᵀ + b_ih (+ b_hh when the
/// cell adds the hidden bias before its nonlinearity); inside the time loop only h_{t-1} · W_hhᵀ
/// remains, with W_hh packed once per pass (for a batch, the step is fused with the cell update and the batch's
/// rows are split over two threads: RecurrentLayer.FusedStep.cs). Backward runs the time loop for the data
/// gradients (rows split the same way) and then forms every weight gradient with one GEMM over all T*B rows.
///
/// Variable lengths: a sequence whose length is shorter than t keeps its state unchanged and emits
/// zeros (PyTorch's packed-sequence semantics), so the final state is the state at its last real token.
/// </summary>
public abstract partial class RecurrentLayer
{
    protected readonly ParameterSet P;
    public ParameterSlice WeightIh { get; }
    public ParameterSlice WeightHh { get; }
    public ParameterSlice BiasIh { get; }
    public ParameterSlice BiasHh { get; }

    public int InputSize { get; }
    public int HiddenSize { get; }
    /// <summary>Number of gates G: 4 for LSTM, 3 for GRU, 1 for the tanh RNN.</summary>
    public int Gates { get; }
    public abstract bool HasCellState { get; }

    /// <summary>GRU keeps h·W_hhᵀ + b_hh apart because its reset gate multiplies that term alone.</summary>
    protected abstract bool SeparateHiddenProjection { get; }

    // Weights packed once per weight version (ParameterSet.Version), not once per call.
    private readonly PackedMatrix _wihT;    // op(B) = W_ihᵀ [I, GH], for the input projection
    private readonly PackedMatrix _whhT;    // op(B) = W_hhᵀ [H, GH], for the one-row forward step
    private PackedMatrix? _whh;             // op(B) = W_hh [GH, H], for the backward step (made and packed by Backward)
    private readonly float[] _biasSum;       // [GH] biases added to Xp
    private readonly float[] _dbSum;         // [GH] bias gradient summed over rows
    private float[] _dbRows = [];            // [B, GH] (GRU: two of them, for DXp and DHp) bias gradient of each row, summed over its steps by the backward loop
    private float[] _dWt = [];               // [I+H, GH] dW_ihᵀ stacked on dW_hhᵀ (long batches), before they are added into the gradients
    private int _packedVersion = -1, _packedOneRowVersion = -1, _packedBackwardVersion = -1;

    // Workspaces sized for the largest (T, B) seen; reused across calls.
    protected int T, B;
    protected int[] Lengths = [];
    protected float[] X = [];        // [T, B, I]   copy of the input (weight gradients need it)
    protected float[] Xp = [];       // [T, B, GH]  input projection, then gate pre-activations/activations
    protected float[] Hp = [];       // [T, B, GH]  hidden projection (GRU only)
    protected float[] Hs = [];       // [T+1, B, H] hidden states, Hs[0] = h0
    protected float[] Cs = [];       // [T+1, B, H] cell states (LSTM only)
    protected internal float[] Aux = [];      // [T, B, H]   per-cell extra cache (LSTM: tanh(c_t))
    protected float[] DXp => Xp;     // [T, B, GH]  gradient w.r.t. the input projection, written over Xp (see BackwardCell)
    protected float[] DHp = [];      // [T, B, GH]  gradient w.r.t. the hidden projection (GRU; else aliases DXp)
    protected float[] Dh = [], Dc = [];   // [B, H] running gradients dL/dh_t, dL/dc_t

    /// <param name="suffix">"_reverse" for the backward direction of a bidirectional layer (PyTorch's names).</param>
    protected RecurrentLayer(ParameterSet parameters, string prefix, int layerIndex, int inputSize, int hiddenSize, int gates, string suffix = "")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        P = parameters;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Gates = gates;
        int gh = gates * hiddenSize;
        WeightIh = parameters.Add($"{prefix}weight_ih_l{layerIndex}{suffix}", gh, inputSize);
        WeightHh = parameters.Add($"{prefix}weight_hh_l{layerIndex}{suffix}", gh, hiddenSize);
        BiasIh = parameters.Add($"{prefix}bias_ih_l{layerIndex}{suffix}", gh);
        BiasHh = parameters.Add($"{prefix}bias_hh_l{layerIndex}{suffix}", gh);
        _wihT = new PackedMatrix(inputSize, gh);
        _whhT = new PackedMatrix(hiddenSize, gh);
        _biasSum = new float[gh];
        _dbSum = new float[gh];
    }

    /// <summary>PyTorch's initialisation: every weight and bias uniform in ±1/sqrt(H).</summary>
    public void Initialize(Rng rng)
    {
        float k = 1f / MathF.Sqrt(HiddenSize);
        foreach (var s in new[] { WeightIh, WeightHh, BiasIh, BiasHh }) rng.FillUniform(P.Value(s), -k, k);
    }

    private void EnsureCapacity(int t, int b)
    {
        int gh = Gates * HiddenSize, h = HiddenSize;
        T = t; B = b;
        if (X.Length < t * b * InputSize) X = new float[t * b * InputSize];
        if (Xp.Length < t * b * gh) Xp = new float[t * b * gh];
        if (SeparateHiddenProjection && Hp.Length < t * b * gh) { Hp = new float[t * b * gh]; DHp = new float[t * b * gh]; }
        if (Hs.Length < (t + 1) * b * h)
        {
            Hs = new float[(t + 1) * b * h];
            if (HasCellState) Cs = new float[(t + 1) * b * h];
        }
        // Sized on its own: after (t 1, b 4) Hs holds (t 3, b 2), but Aux [T, B, H] must grow (the cells write it through pointers).
        if (Aux.Length < t * b * h) Aux = new float[t * b * h];
        if (Dh.Length < b * h) { Dh = new float[b * h]; Dc = new float[b * h]; }
        if (Lengths.Length < b) Lengths = new int[b];
        if (!SeparateHiddenProjection) DHp = DXp;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackWeights()
    {
        if (_packedVersion == P.Version) return;
        _wihT.Pack(transB: true, P.Value(WeightIh), InputSize);
        _packedVersion = P.Version;
    }

    /// <summary>W_hhᵀ for the one-row steps; a batch's fused loop reads its own gate-block packing instead (W3: 2 % of a
    /// training step went to packing this one for nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackOneRowWeights()
    {
        if (_packedOneRowVersion == P.Version) return;
        _whhT.Pack(transB: true, P.Value(WeightHh), HiddenSize);
        _packedOneRowVersion = P.Version;
    }

    /// <summary>Inference never needs W_hh untransposed, so it is made and packed on the first Backward of a weight version.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_whh))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackBackwardWeights()
    {
        _whh ??= new PackedMatrix(Gates * HiddenSize, HiddenSize);
        if (_packedBackwardVersion == P.Version) return;
        _whh.Pack(transB: false, P.Value(WeightHh), HiddenSize);
        _packedBackwardVersion = P.Version;
    }

    /// <summary>
    /// Runs the layer over x [T, B, I]. lengths[b] in 1..T (empty: all T). h0/c0 [B, H] (empty: zeros).
    /// Writes y [T, B, H] (zeros past each length) and the final states hT/cT [B, H].
    /// </summary>
    public void Forward(ReadOnlySpan<float> x, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hT, Span<float> cT) =>
        Forward(x, default, t, b, lengths, h0, c0, y, hT, cT, keepForBackward: true);

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, int, int, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/>
    /// where x [T, B, I] is the embedding of tokens [B, T] (batch-first; empty: x is anything else), so that the
    /// input projection may be read from <see cref="InputTokenCache"/>. keepForBackward false: no Backward follows, so
    /// the fused loop keeps each step's gate rows only until the step is done (<see cref="StoredStep"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> tokens, int t, int b, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hT, Span<float> cT, bool keepForBackward)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b);
        EnsureCapacity(t, b);
        PackWeights();
        int h = HiddenSize, gh = Gates * h, bh = b * h;
        for (int i = 0; i < b; i++) Lengths[i] = lengths.IsEmpty ? t : lengths[i];

        x[..(t * b * InputSize)].CopyTo(X);
        // Xp = X · W_ihᵀ + biases, all steps at once; the fused loop over the batch's rows instead projects each row
        // group's x_t right before its gate tiles read it (FusedStep.cs), with the same chains. Either copies the rows
        // of tokens whose projections it has cached instead, biases included (RecurrentLayer.TokenCache.cs).
        bool fused = b >= 2, byUnits = fused && SplitsByUnits(t, b);
        _keepsNoActivations = !keepForBackward && fused && !byUnits;
        _backwardDone = false;
        SumInputBiases();
        PrepareTokenCache(tokens, t, b);
        if ((!fused || byUnits) && !CopyCachedProjections(0, t * b))
        {
            Sgemm.Multiply(t * b, X, InputSize, _wihT, Xp, gh, accumulate: false);
            AddInputBiases(Xp, t * b);
            StoreProjections(0, t * b);
        }

        if (h0.IsEmpty) Hs.AsSpan(0, bh).Clear(); else h0[..bh].CopyTo(Hs);
        if (HasCellState) { if (c0.IsEmpty) Cs.AsSpan(0, bh).Clear(); else c0[..bh].CopyTo(Cs); }

        // The loop over row groups also writes y, each group's rows while they are in L1 and on both threads; after the
        // other paths y is copied from Hs below.
        bool rowsWriteY = fused && !byUnits;
        if (fused)
            fixed (float* yp = y)
            {
                ForwardStepsFused(t, b, byUnits, rowsWriteY ? yp : null);
            }
        else
        {
            // One row: the matrix-vector kernels (several panels side by side) beat a one-row tile.
            var isa = StepIsa;
            PackOneRowWeights();
            for (int step = 0; step < t; step++)
            {
                var hPrev = Hs.AsSpan(step * bh, bh);
                if (SeparateHiddenProjection)
                    Sgemm.Multiply(b, hPrev, h, _whhT, Hp.AsSpan(step * b * gh, b * gh), gh, accumulate: false);
                else
                    Sgemm.Multiply(b, hPrev, h, _whhT, Xp.AsSpan(step * b * gh, b * gh), gh, accumulate: true);
                if (step < Lengths[0]) ForwardCell(step, 0, 0, h, isa);
                else CarryState(step, 0, 0, h);
            }
        }

        if (!rowsWriteY)
            for (int step = 0; step < t; step++)
                for (int row = 0; row < b; row++) WriteOutput(step, row, y.Slice((step * b + row) * h, h));
        Hs.AsSpan(StateSlot(t) * bh, bh).CopyTo(hT);
        if (HasCellState && !cT.IsEmpty) Cs.AsSpan(StateSlot(t) * bh, bh).CopyTo(cT);
    }

    // An inference pass of the fused loop writes each step's Xp (Hp, Aux) rows into slot 0 and reads them back within the
    // step, and its states h_t (c_t) into slot t mod 2, where the next step reads them, instead of into T slots nobody
    // reads again (the loop writes y itself). At W4 LSTM that is 6.5 MB of gate rows and 2.6 MB of states a pass not
    // written to memory, each about 7 % of the pass.
    private bool _keepsNoActivations;

    /// <summary>Where the gate rows (Xp, Hp, Aux) of a step are stored in this pass: the step, or 0 when it keeps none.</summary>
    private protected int StoredStep(int step) => _keepsNoActivations ? 0 : step;

    /// <summary>Where the states after step s − 1 (Hs[s], Cs[s]) are stored in this pass: s, or s mod 2 when it keeps none.</summary>
    private protected int StateSlot(int s) => _keepsNoActivations ? s & 1 : s;

    /// <summary>The biases added to Xp: b_ih + b_hh, or b_ih alone when the cell adds b_hh itself (GRU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SumInputBiases()
    {
        var bias = _biasSum.AsSpan();
        if (SeparateHiddenProjection) P.Value(BiasIh).CopyTo(bias);
        else RowOps.Add(P.Value(BiasIh), P.Value(BiasHh), bias);
    }

    /// <summary>Adds the input biases (<see cref="SumInputBiases"/>) to rows [0, rows) of xp [*, GH].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddInputBiases(Span<float> xp, int rows)
    {
        int gh = Gates * HiddenSize;
        var bias = _biasSum.AsSpan();
        for (int r = 0; r < rows; r++)
        {
            var row = xp.Slice(r * gh, gh);
            RowOps.Add(row, bias, row);
        }
    }

    /// <summary>y of one step and row: h_t, or zeros past the row's length.</summary>
    private void WriteOutput(int step, int row, Span<float> dst)
    {
        int h = HiddenSize;
        if (step < Lengths[row]) Hs.AsSpan((StateSlot(step + 1) * B + row) * h, h).CopyTo(dst);
        else dst.Clear();
    }

    /// <summary>A padded step: hidden units [u0, u0 + count) of the row keep their state.</summary>
    private void CarryState(int step, int row, int u0, int count)
    {
        int h = HiddenSize, bh = B * h;
        int from = StateSlot(step) * bh + row * h + u0, to = StateSlot(step + 1) * bh + row * h + u0;
        Hs.AsSpan(from, count).CopyTo(Hs.AsSpan(to, count));
        if (HasCellState) Cs.AsSpan(from, count).CopyTo(Cs.AsSpan(to, count));
    }

    /// <summary>
    /// Gate nonlinearities and state update for one (step, row), hidden units [u0, u0 + count); pre-activations
    /// are in Xp (and Hp). Computed with FastActivations, 16, 8 or 1 lanes at a time as isa allows, the same
    /// operations in each, so the result does not depend on isa or on how the units were cut.
    /// </summary>
    internal abstract void ForwardCell(int step, int row, int u0, int count, GemmIsa isa);
}
