using System.Runtime.CompilerServices;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

// The forward time loop for a batch (B ≥ 2) as one tuned unit, after the input projection of all steps:
// - W_hhᵀ is packed once per weight version by gate blocks: panel (g, u) holds the 32 columns of gate g
//   for hidden units 32u..32u+31 (zero past H), in the micro-kernel's [K][32] layout;
// - one work item is a row group (the micro-kernel's Mr rows) × one block of 32 hidden units: it runs the
//   G gate tiles of that block (h_{t-1}·W_hhᵀ added onto the input projection, or into Hp for GRU) and at
//   once the cell update for those rows and units, while the tiles are still in L1, and writes h_t both
//   to Hs and, transposed, into the packed left operand of the next step (so no step packs its input);
// - the items of all steps go through StepTeam: the calling thread and one persistent partner claim
//   them, and a step's items wait only for the previous step's (no task or hand-off per step).
// Each gate element is the micro-kernel's FMA chain over k (Kc chunks) added once, exactly as Sgemm computes
// it, and each item is computed by one thread: the result does not depend on which thread ran what.
public abstract partial class RecurrentLayer
{
    /// <summary>Tests only, per calling thread: the instruction set of the step and cell (default: the best one).</summary>
    [ThreadStatic] internal static GemmIsa? ForcedStepIsa;
    /// <summary>Tests only, per calling thread: true runs every fused loop on two threads whatever its size, false on one.</summary>
    [ThreadStatic] internal static bool? ForcedStepPartner;

    /// <summary>
    /// A step of 2·B·G·H·H FLOPs below this stays on one thread: about 1 MFLOP is 5 µs of one core, where a
    /// shared ticket counter (two cache-line transfers per item) is still a few per cent of the step.
    /// </summary>
    internal const long PartnerStepFlops = 1_000_000;

    private float[] _whhGates = [];     // [G][ceil(H/32)] panels of [H][32]: W_hhᵀ by gate blocks (pinned)
    private int _gatesPackedVersion = -1;
    private float[] _packedH = [];      // [2][B·H]: h_{t-1} as the micro-kernel's packed left operand, by step parity
    private FusedSteps? _fusedSteps;

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

    /// <summary>Steps 0..t−1 of the forward pass for b ≥ 2 rows; Xp holds the input projection, Hs[0] (Cs[0]) the initial state.</summary>
    private unsafe void ForwardStepsFused(int t, int b)
    {
        PackGateBlocks();
        int h = HiddenSize, mr = Sgemm.MrFor(StepIsa);
        if (_packedH.Length < 2 * b * h) _packedH = GC.AllocateArray<float>(2 * b * h, pinned: true);
        fixed (float* hs = Hs)
        fixed (float* dst = _packedH)
            SgemmPacking.PackA(false, hs, h, b, h, mr, dst, 0, b);
        int items = (b + mr - 1) / mr * UnitBlocks;
        bool partner = ForcedStepPartner ?? (EngineThreads.Count >= 2 && 2L * b * Gates * h * h >= PartnerStepFlops);
        _fusedSteps ??= new FusedSteps(this);
        _fusedSteps.Isa = StepIsa;
        StepTeam.Shared.Run(_fusedSteps, t, items, partner);
    }

    /// <summary>One item: rows [i0, i0 + r) × hidden units [u0, u0 + w) of one step (see the file comment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void RunFusedItem(int step, int item, GemmIsa isa, float* tile)
    {
        const int Nr = SgemmPacking.Nr;
        int h = HiddenSize, gh = Gates * h, b = B, blocks = UnitBlocks, mr = Sgemm.MrFor(isa);
        int group = item / blocks, block = item - group * blocks;
        int i0 = group * mr, r = Math.Min(mr, b - i0);
        int u0 = block * Nr, w = Math.Min(Nr, h - u0);
        bool separate = SeparateHiddenProjection;
        fixed (float* packedH = _packedH)
        fixed (float* weights = _whhGates)
        fixed (float* xp = Xp)
        fixed (float* hp = Hp)
        fixed (float* hs = Hs)
        {
            float* a = packedH + (nint)(step & 1) * b * h + (nint)i0 * h;
            float* gates = (separate ? hp : xp) + ((nint)step * b + i0) * gh + u0;
            for (int g = 0; g < Gates; g++)
            {
                float* panel = weights + ((nint)g * blocks + block) * h * Nr;
                float* c = gates + g * h;
                for (int k0 = 0; k0 < h; k0 += Sgemm.Kc)
                {
                    int kc = Math.Min(Sgemm.Kc, h - k0);
                    bool add = !separate || k0 > 0;
                    if (w == Nr)
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, c, gh, add);
                    }
                    else
                    {
                        Sgemm.Tile(isa, r, a + (nint)k0 * r, panel + k0 * Nr, kc, tile, Nr, false);
                        Sgemm.Merge(tile, r, w, c, gh, add);
                    }
                }
            }
            for (int row = i0; row < i0 + r; row++)
            {
                if (step < Lengths[row]) ForwardCell(step, row, u0, w, isa);
                else CarryState(step, row, u0, w);
            }
            if (step + 1 < T)
            {
                // h_t into the next step's packed operand: element (row i0 + rr, unit p) at p·r + rr of the group.
                float* next = packedH + (nint)((step + 1) & 1) * b * h + (nint)i0 * h;
                float* hNew = hs + ((nint)(step + 1) * b + i0) * h;
                for (int rr = 0; rr < r; rr++)
                    for (int p = u0; p < u0 + w; p++) next[p * r + rr] = hNew[rr * h + p];
            }
        }
    }

    /// <summary>The fused loop as StepTeam work; Isa is set per pass.</summary>
    private sealed class FusedSteps(RecurrentLayer layer) : IStepWork
    {
        public GemmIsa Isa;

        public unsafe void RunItem(int step, int item)
        {
            float* tile = stackalloc float[SgemmPacking.Mr * SgemmPacking.Nr];
            layer.RunFusedItem(step, item, Isa, tile);
        }
    }
}
