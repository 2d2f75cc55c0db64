using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

// The backward pass of a recurrent layer (see RecurrentLayer.cs): the time loop for the data gradients, its rows split
// between the threads as the forward loop's are (RowRanges in RecurrentLayer.FusedStep.cs), then every weight gradient
// from one GEMM over all T·B rows.
public abstract partial class RecurrentLayer
{
    private unsafe float* _dy;          // the upstream gradient during BackwardStepsSplit (null: none)

    /// <summary>The backward time loop (see Backward) split by rows as the forward loop is (RecurrentLayer.FusedStep.cs); dy [T, B, H] may be empty.</summary>
    private unsafe void BackwardStepsSplit(int t, int b, ReadOnlySpan<float> dy)
    {
        _backwardRanges ??= new RowRanges(this, forward: false);
        fixed (float* dyp = dy)
        {
            _dy = dyp;   // read by both threads while this frame keeps dy pinned
            RunRowRanges(_backwardRanges, t, b);
            _dy = null;
        }
    }

    /// <summary>
    /// Rows [i0, i1) of the backward time loop: per step (last first) the cell gradients of each row (and their sum over
    /// the steps, the row's bias gradient), then dh_{t-1} = (bypass part) + dHp_t · W_hh for those rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void BackwardRows(int i0, int i1, GemmIsa isa)
    {
        int h = HiddenSize, gh = Gates * h, b = B, rows = i1 - i0;
        var dh = Dh.AsSpan(0, b * h);
        for (int step = T - 1; step >= 0; step--)
        {
            for (int row = i0; row < i1; row++)
            {
                if (step < Lengths[row])
                {
                    if (_dy != null)
                    {
                        var dhRow = dh.Slice(row * h, h);
                        RowOps.Add(dhRow, new ReadOnlySpan<float>(_dy + (step * b + row) * h, h), dhRow);
                    }
                    BackwardCell(step, row, isa);
                    // The row's bias gradient, while its gate gradients are in L1 (a padded step's are zero).
                    var biasRow = _dbRows.AsSpan(row * gh, gh);
                    RowOps.Add(biasRow, DXp.AsSpan((step * b + row) * gh, gh), biasRow);
                    if (SeparateHiddenProjection)
                    {
                        biasRow = _dbRows.AsSpan((b + row) * gh, gh);
                        RowOps.Add(biasRow, DHp.AsSpan((step * b + row) * gh, gh), biasRow);
                    }
                }
                else
                {
                    // Padded step: the state passed through unchanged, so does its gradient.
                    DXp.AsSpan((step * b + row) * gh, gh).Clear();
                    if (SeparateHiddenProjection) DHp.AsSpan((step * b + row) * gh, gh).Clear();
                }
            }
            Sgemm.MultiplyCore(rows, DHp.AsSpan((step * b + i0) * gh, rows * gh), gh, _whh!, dh.Slice(i0 * h, rows * h), h,
                accumulate: true, isa, allowParallel: false);
        }
    }

    /// <summary>From this many rows (T·B) on, weight gradients are formed transposed (see Backward).</summary>
    internal const int TransposedWeightGradientRows = 256;

    /// <summary>sum[c] = Σ_r m[r, c] over the first rows rows of m [*, cols], rows added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows(ReadOnlySpan<float> m, int rows, int cols, Span<float> sum)
    {
        sum.Clear();
        for (int r = 0; r < rows; r++) RowOps.Add(sum, m.Slice(r * cols, cols), sum);
    }

    /// <summary>
    /// From Dh (and Dc) = dL/dh_t (dL/dc_t) for one row, writes DXp (and DHp) for that step and row,
    /// DXp over the gate activations it was computed from (DXp is Xp: the backward loop then writes into cache lines it
    /// has just read, not into 2 KB a row at W4 LSTM of fresh memory fetched for the write), so a unit's gates must all
    /// be read before any of their gradients is written;
    /// leaves in Dh the part of dL/dh_{t-1} that bypasses W_hh (GRU's z·dh, zero otherwise) and in Dc dL/dc_{t-1}.
    /// isa picks the lanes (16, 8 or 1); the result is the same for each.
    /// </summary>
    private protected abstract void BackwardCell(int step, int row, GemmIsa isa);

    private bool _backwardDone;      // Backward ran over the last forward pass (set again to false by Forward)

    /// <summary>
    /// Backward over the last Forward, once (as PyTorch frees a graph after its backward pass: the gate gradients replace
    /// the gates, <see cref="BackwardCell"/>). dy [T, B, H] (may be empty), dhT/dcT [B, H] (may be empty).
    /// Adds parameter gradients into the ParameterSet; writes dx [T, B, I] (may be empty) and dh0/dc0 [B, H] (may be empty).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dx, Span<float> dh0, Span<float> dc0)
    {
        if (_keepsNoActivations) throw new InvalidOperationException("The last forward pass was run for inference and kept no activations for Backward.");
        if (_backwardDone) throw new InvalidOperationException("Backward already ran over the last forward pass, and its gate gradients may have replaced the gates it read: run Forward again.");
        _backwardDone = true;
        int t = T, b = B, h = HiddenSize, gh = Gates * h, bh = b * h;
        PackBackwardWeights();
        var dh = Dh.AsSpan(0, bh);
        var dc = Dc.AsSpan(0, bh);
        if (dhT.IsEmpty) dh.Clear(); else dhT[..bh].CopyTo(dh);
        if (HasCellState) { if (dcT.IsEmpty) dc.Clear(); else dcT[..bh].CopyTo(dc); }

        int biasRows = (SeparateHiddenProjection ? 2 : 1) * b * gh;
        if (_dbRows.Length < biasRows) _dbRows = new float[biasRows];
        _dbRows.AsSpan(0, biasRows).Clear();
        BackwardStepsSplit(t, b, dy);
        if (!dh0.IsEmpty) dh.CopyTo(dh0);
        if (HasCellState && !dc0.IsEmpty) dc.CopyTo(dc0);

        int rows = t * b, inp = InputSize;
        // A pass over few distinct tokens sums DXp by token first (RecurrentLayer.TokenCache.cs): dW_ih and dx from U rows, not T·B.
        int distinct = GroupGradientsByToken();
        // dW_ih += DXpᵀ · X and dW_hh += DHpᵀ · H_{t-1}. With many rows they are formed transposed:
        //   dW_ihᵀ [I, GH] = Xᵀ · DXp,   dW_hhᵀ [H, GH] = H_{t-1}ᵀ · DHp
        // so that the big operand DXp [T·B, GH] is the right-hand one, whose packing is a plain
        // row copy (as a transposed left operand it is regrouped a few floats at a time), and the
        // left-hand operands to regroup are the narrow X and H; then added into the gradients transposed
        // back. With few rows (batch 1, short texts) that transposed add costs more than it saves.
        if (rows >= TransposedWeightGradientRows)
        {
            if (_dWt.Length < (inp + h) * gh) _dWt = new float[(inp + h) * gh];
            var dWt = _dWt.AsSpan(0, (inp + h) * gh);
            if (distinct == 0) Sgemm.Multiply(true, false, inp, gh, rows, X, inp, DXp, gh, dWt, gh, accumulate: false);
            Sgemm.Multiply(true, false, h, gh, rows, Hs, h, DHp, gh, dWt[(inp * gh)..], gh, accumulate: false);
            if (distinct == 0) MatrixTranspose.AddTransposed(dWt, inp, gh, P.Grad(WeightIh));
            MatrixTranspose.AddTransposed(dWt[(inp * gh)..], h, gh, P.Grad(WeightHh));
        }
        else
        {
            if (distinct == 0) Sgemm.Multiply(true, false, gh, inp, rows, DXp, gh, X, inp, P.Grad(WeightIh), inp, accumulate: true);
            Sgemm.Multiply(true, false, gh, h, rows, DHp, gh, Hs, h, P.Grad(WeightHh), h, accumulate: true);
        }
        if (distinct > 0) AddGroupedInputWeightGradient(distinct);

        // db_ih += Σ DXp ; db_hh += Σ DHp (the same sum when DHp aliases DXp). The backward loop summed each row over its
        // steps while the rows were in L1 (a pass over all of DXp here was 0.23 ms of one thread at W4); the rows' sums
        // are added here in row order, so the result does not depend on how the threads split the rows.
        var dbSum = _dbSum.AsSpan();
        SumRows(_dbRows, b, gh, dbSum);
        RowOps.Add(P.Grad(BiasIh), dbSum, P.Grad(BiasIh));
        if (SeparateHiddenProjection) SumRows(_dbRows.AsSpan(b * gh), b, gh, dbSum);
        RowOps.Add(P.Grad(BiasHh), dbSum, P.Grad(BiasHh));
        // dX = DXp · W_ih
        if (dx.IsEmpty) return;
        if (distinct > 0) WriteGroupedInputGradient(distinct, dx);
        else Sgemm.Multiply(false, false, rows, InputSize, gh, DXp, gh, P.Value(WeightIh), InputSize, dx, InputSize, accumulate: false);
    }
}
