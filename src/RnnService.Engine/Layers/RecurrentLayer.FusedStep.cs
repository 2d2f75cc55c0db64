using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

// The forward time loop for a batch (B ≥ 2) as one tuned unit:
// - W_hhᵀ is packed once per weight version by gate blocks: panel (g, u) holds the 32 columns of gate g
//   for hidden units 32u..32u+31 (zero past H), in the micro-kernel's [K][32] layout;
// - per step and row group (the micro-kernel's Mr rows), first that group's input projection x_t·W_ihᵀ + biases into Xp
//   (so the tiles below read it from L1, not from a T·B·G·H projection written out to memory before the loop);
// - then for each block of 32 hidden units, the G gate tiles
//   (h_{t-1}·W_hhᵀ added onto the input projection, or into Hp for GRU) and at once the cell update for those
//   rows and units, while the tiles are still in L1; h_t goes both to Hs and, transposed, into the packed left
//   operand of the next step (so no step packs its input);
// - the rows of a batch are independent sequences, so the two cores split the batch, each carrying its rows
//   through every step with no barrier between steps (StepTeam); the backward time loop is split the same way.
//   A single step (generation: one character for every sample) of a batch of one or two row groups is split by
//   hidden units instead: each core reads half of W_hh (4 MB at H = 512), where split by rows each would read all of
//   it for one or two tiles of rows. From three row groups on a single step is split by rows too: split by units, the
//   caller packs h for both cores and the unit blocks change cores from one step to the next, and a line one core
//   writes after the other read it costs about 10 ns here (docs/benchmarks.md, session 34: W4's step 57 → 34 µs).
// Each gate element is the micro-kernel's FMA chain over k (Kc chunks) added once, exactly as Sgemm computes
// it, and each element is computed by one thread: the result does not depend on which thread ran what.
public abstract partial class RecurrentLayer
{
    /// <summary>Tests only, per calling thread: the instruction set of the step and cell (default: the best one).</summary>
    [ThreadStatic] internal static GemmIsa? ForcedStepIsa;
    /// <summary>Tests only, per calling thread: true runs every fused loop on two threads whatever its size, false on one.</summary>
    [ThreadStatic] internal static bool? ForcedStepPartner;

    /// <summary>
    /// A time loop of fewer recurrent FLOPs (2·T·B·G·H·H) stays on one thread: 4 MFLOP is about 20 µs of one
    /// core, where waking the partner (tens of µs when it sleeps) would cost more than it saves.
    /// </summary>
    internal const long PartnerLoopFlops = 4_000_000;

    private float[] _whhGates = [];     // [G][ceil(H/32)] panels of [H][32]: W_hhᵀ by gate blocks (pinned)
    private int _gatesPackedVersion = -1;
    private float[] _packedH = [];      // [2][B·H]: h_{t-1} as the micro-kernel's packed left operand, by step parity
    private float[] _packedX = [];      // [B·I]: x_t of each row group as the micro-kernel's packed left operand (group at i·I)
    private RowRanges? _forwardRanges, _backwardRanges;
    private BlockRanges? _stepBlocks;
    private unsafe float* _y;           // the layer's output during the forward loop over row groups (null: written after it)

    private static GemmIsa StepIsa => ForcedStepIsa ?? Sgemm.BestIsa;

    private unsafe void PackGateBlocks()
    {
        int h = HiddenSize, blocks = UnitBlocks;
        if (_whhGates.Length == 0) _whhGates = GC.AllocateArray<float>(Gates * blocks * h * SgemmPacking.Nr, pinned: true);
        if (_gatesPackedVersion == P.Version) return;
        fixed (float* w = P.Value(WeightHh))
        fixed (float* dst = _whhGates)
            for (int g = 0; g < Gates; g++)
                SgemmPacking.PackB(transB: true, w + (nint)g * h * h, h, h, h, dst + (nint)g * blocks * h * SgemmPacking.Nr, 0, blocks);
        _gatesPackedVersion = P.Version;
    }

    private int UnitBlocks => (HiddenSize + SgemmPacking.Nr - 1) / SgemmPacking.Nr;

    /// <summary>Whether a fused forward pass splits its one step between the threads by hidden units (then Xp is projected
    /// before it, by Sgemm), rather than carrying row ranges through the steps: a single step of fewer than three row groups.</summary>
    private bool SplitsByUnits(int t, int b) => t == 1 && b < 3 * Sgemm.MrFor(StepIsa) && UsePartner(t, b);

    /// <summary>
    /// Steps 0..t−1 of the forward pass for b ≥ 2 rows; Hs[0] (Cs[0]) hold the initial state. Split by units, Xp already
    /// holds X·W_ihᵀ + biases; split by rows, each row group projects its own x_t and, when y is given,
    /// writes its rows of y [T, B, H] at each step.
    /// </summary>
    private unsafe void ForwardStepsFused(int t, int b, bool byUnits, float* y)
    {
        PackGateBlocks();
        if (_packedH.Length < 2 * b * HiddenSize) _packedH = GC.AllocateArray<float>(2 * b * HiddenSize, pinned: true);
        if (byUnits)
        {
            _stepBlocks ??= new BlockRanges(this);
            _stepBlocks.Isa = StepIsa;
            _stepBlocks.Count = Math.Min(4, UnitBlocks);
            fixed (float* hs = Hs)
            fixed (float* packedH = _packedH)
                SgemmPacking.PackA(false, hs, HiddenSize, b, HiddenSize, Sgemm.MrFor(_stepBlocks.Isa), packedH, 0, b);
            StepTeam.Shared.Run(_stepBlocks, _stepBlocks.Count, usePartner: true, force: ForcedStepPartner == true);
            return;
        }
        if (_packedX.Length < b * InputSize) _packedX = GC.AllocateArray<float>(b * InputSize, pinned: true);
        _forwardRanges ??= new RowRanges(this, forward: true);
        _y = y;   // written by both threads while the caller keeps y pinned
        RunRowRanges(_forwardRanges, t, b);
        _y = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunRowRanges(RowRanges ranges, int t, int b)
    {
        var isa = StepIsa;
        // One row cannot be split: with the partner, one of the two ranges would be empty and the other thread would
        // carry the whole loop over data this thread wrote (seed 003's batch-1 Hamlet job ran 4-5 % slower so, and in the
        // service, whose own threads share the partner's core, one epoch in ten took 2.5 times as long).
        bool partner = b >= 2 && UsePartner(t, b);
        // With the partner: up to 4 ranges of at least one row group each (so a late partner just takes fewer),
        // at least 2; the rows are spread evenly, so 20 rows make 10 + 10, not 8 + 8 + 4.
        ranges.Count = partner ? Math.Clamp(b / Sgemm.MrFor(isa), 2, 4) : 1;
        ranges.Isa = isa;
        StepTeam.Shared.Run(ranges, ranges.Count, partner, force: ForcedStepPartner == true);
    }

    private bool UsePartner(int t, int b) =>
        ForcedStepPartner ?? (EngineThreads.Count >= 2 && 2L * t * b * Gates * HiddenSize * HiddenSize >= PartnerLoopFlops);

    /// <summary>Rows [i0, i1) of the forward pass through every step; their packed h lives at i·H for a group starting at row i.</summary>
    private unsafe void ForwardRows(int i0, int i1, GemmIsa isa, float* tile)
    {
        int h = HiddenSize, mr = Sgemm.MrFor(isa);
        fixed (float* hs = Hs)
        fixed (float* packedH = _packedH)
            SgemmPacking.PackA(false, hs + (nint)i0 * h, h, i1 - i0, h, mr, packedH + (nint)i0 * h, 0, i1 - i0);
        for (int step = 0; step < T; step++)
            for (int g0 = i0; g0 < i1; g0 += mr)
            {
                int r = Math.Min(mr, i1 - g0);
                // A full group and the short group that ends the range go through the gate tiles together (Sgemm.TilePair).
                int r2 = i1 - g0 - r;
                if (r2 >= mr || !Sgemm.PairsRowGroups(isa, r2)) r2 = 0;
                ProjectInput(step, g0, r, isa, tile);
                if (r2 > 0) ProjectInput(step, g0 + r, r2, isa, tile);
                for (int block = 0; block < UnitBlocks; block++)
                    RunFusedItem(step, g0, r, r2, block, isa, tile);
                if (_y != null)
                    for (int row = g0; row < g0 + r + r2; row++) WriteOutput(step, row, new Span<float>(_y + ((nint)step * B + row) * h, h));
                if (r2 > 0) break;
            }
    }

    /// <summary>
    /// Xp rows [g0, g0 + r) of one step = x_t · W_ihᵀ + biases, each product element the chain Sgemm.Multiply computes for
    /// it (one FMA chain per K chunk, the chunks added in order, edge panels through a scratch tile), so the bits are those
    /// of the all-steps projection.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void ProjectInput(int step, int g0, int r, GemmIsa isa, float* tile)
    {
        const int Nr = SgemmPacking.Nr;
        int inp = InputSize, gh = Gates * HiddenSize;
        fixed (float* xs = X)
        fixed (float* packedX = _packedX)
        fixed (float* weights = _wihT.Data)
        fixed (float* xp = Xp)
        {
            float* c = xp + ((nint)StoredStep(step) * B + g0) * gh;
            if (_readTokenCache && CopyCachedProjections(step * B + g0, r, c)) return;
            float* a = packedX + (nint)g0 * inp;
            SgemmPacking.PackA(false, xs + ((nint)step * B + g0) * inp, inp, r, inp, Sgemm.MrFor(isa), a, 0, r);
            for (int j = 0; j < _wihT.Panels; j++)
            {
                int c0 = j * Nr, w = Math.Min(Nr, gh - c0);
                float* panel = weights + (nint)j * inp * Nr;
                for (int k0 = 0; k0 < inp; k0 += Sgemm.Kc)
                {
                    int kc = Math.Min(Sgemm.Kc, inp - k0);
                    if (w == Nr)
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, c + c0, gh, k0 > 0);
                    }
                    else
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, tile, Nr, false);
                        Sgemm.Merge(tile, r, w, c + c0, gh, k0 > 0);
                    }
                }
            }
            // The biases, while the rows are in L1, before the cache keeps them (its rows hold them).
            fixed (float* biasSum = _biasSum)
                for (int rr = 0; rr < r; rr++) AddInPlace(c + (nint)rr * gh, biasSum, gh);
            if (_fillTokenCache) StoreProjections(step * B + g0, r, c);
        }
    }

    /// <summary>Rows [i0, i0 + r) (one row group), and the short group of r2 rows after it when r2 &gt; 0, × hidden units of
    /// one block, one step (see the file comment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void RunFusedItem(int step, int i0, int r, int r2, int block, GemmIsa isa, float* tile)
    {
        const int Nr = SgemmPacking.Nr;
        int h = HiddenSize, gh = Gates * h, b = B, blocks = UnitBlocks;
        int u0 = block * Nr, w = Math.Min(Nr, h - u0);
        bool separate = SeparateHiddenProjection;
        fixed (float* packedH = _packedH)
        fixed (float* weights = _whhGates)
        fixed (float* xp = Xp)
        fixed (float* hp = Hp)
        fixed (float* hs = Hs)
        {
            float* a = packedH + (nint)(step & 1) * b * h + (nint)i0 * h;
            float* a2 = a + (nint)r * h;     // the short group's packed h, when r2 > 0
            float* inputs = xp + ((nint)StoredStep(step) * b + i0) * gh + u0;
            float* gates = separate ? hp + ((nint)StoredStep(step) * b + i0) * gh + u0 : inputs;
            for (int g = 0; g < Gates; g++)
            {
                float* panel = weights + ((nint)g * blocks + block) * h * Nr;
                float* c = gates + g * h;
                for (int k0 = 0; k0 < h; k0 += Sgemm.Kc)
                {
                    int kc = Math.Min(Sgemm.Kc, h - k0);
                    bool add = !separate || k0 > 0;
                    if (w == Nr && r2 > 0)
                    {
                        Sgemm.TilePair(r2, a + (nint)k0 * r, a2 + (nint)k0 * r2, panel + k0 * Nr, kc, c, gh, add);
                    }
                    else if (w == Nr)
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, c, gh, add);
                    }
                    else
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, tile, Nr, false);
                        Sgemm.Merge(tile, r, w, c, gh, add);
                        if (r2 > 0)
                        {
                            Sgemm.Tile(isa, r2, a2 + (nint)k0 * r2, panel + k0 * Nr, kc, tile, Nr, false);
                            Sgemm.Merge(tile, r2, w, c + (nint)r * gh, gh, add);
                        }
                    }
                }
            }
            for (int row = i0; row < i0 + r + r2; row++)
            {
                if (step < Lengths[row]) ForwardCell(step, row, u0, w, isa);
                else CarryState(step, row, u0, w);
            }
            if (step + 1 < T)
            {
                PackNextH(step, i0, r, u0, w, packedH, hs);
                if (r2 > 0) PackNextH(step, i0 + r, r2, u0, w, packedH, hs);
            }
        }
    }

    /// <summary>h_t of rows [i0, i0 + r) (one row group), units [u0, u0 + w), into the next step's packed operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void PackNextH(int step, int i0, int r, int u0, int w, float* packedH, float* hs)
    {
        int h = HiddenSize, b = B;
        // Element (row i0 + rr, unit p) at p·r + rr of the group.
        float* next = packedH + (nint)((step + 1) & 1) * b * h + (nint)i0 * h;
        float* hNew = hs + ((nint)StateSlot(step + 1) * b + i0) * h;
        // 8 units at a time in registers where the group has Mr rows (a W4 LSTM forward pass 6 % faster than element by
        // element with AVX-512, 3 % with AVX2).
        int p0 = u0;
        if (Avx.IsSupported)
        {
            if (r == 8)
                for (; p0 + 8 <= u0 + w; p0 += 8) SgemmPacking.Transpose8x8(hNew + p0, h, next + p0 * 8, 8);
            else if (r == 6)   // writes 2 floats past its 8 units: kept inside the group, where a later block overwrites them
                for (; p0 + 8 <= u0 + w && p0 + 8 < h; p0 += 8) SgemmPacking.Transpose6x8(hNew + p0, h, next + p0 * 6);
        }
        for (int rr = 0; rr < r; rr++)
            for (int p = p0; p < u0 + w; p++) next[p * r + rr] = hNew[rr * h + p];
    }

    /// <summary>dst[k] += src[k] for k &lt; count (one rounding per element, whatever the vector width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddInPlace(float* dst, float* src, int count)
    {
        int k = 0;
        for (; k + 8 <= count; k += 8) (Vector256.Load(dst + k) + Vector256.Load(src + k)).Store(dst + k);
        for (; k < count; k++) dst[k] += src[k];
    }
}
