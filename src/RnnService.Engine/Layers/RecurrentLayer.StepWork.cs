// The time loops as StepTeam work (Kernels/StepTeam.cs): what one work item of a loop runs, by rows for a sequence (forward
// or backward, RecurrentLayer.FusedStep.cs and RecurrentLayer.Backward.cs) or by hidden units for a single step.
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

public abstract partial class RecurrentLayer
{
    /// <summary>A one-step forward pass cut into Count ranges of 32-unit blocks, every row group of each (h_0 already packed);
    /// Count and Isa are set per pass.</summary>
    private sealed class BlockRanges(RecurrentLayer layer) : IStepWork
    {
        public int Count;
        public GemmIsa Isa;

        public unsafe void RunItem(int item)
        {
            int blocks = layer.UnitBlocks, b = layer.B, mr = Sgemm.MrFor(Isa);
            float* tile = stackalloc float[SgemmPacking.Mr * SgemmPacking.Nr];
            for (int block = blocks * item / Count; block < blocks * (item + 1) / Count; block++)
                for (int g0 = 0; g0 < b; g0 += mr)
                    layer.RunFusedItem(0, g0, Math.Min(mr, b - g0), 0, block, Isa, tile);
        }
    }

    /// <summary>The forward or backward time loop cut into Count ranges of rows, as StepTeam work; Count and Isa are set per pass.</summary>
    private sealed class RowRanges(RecurrentLayer layer, bool forward) : IStepWork
    {
        public int Count;
        public GemmIsa Isa;

        public unsafe void RunItem(int item)
        {
            // Items 0, 1, 2, 3 take ranges 0, 2, 1, 3 (of 3: 0, 2, 1): the two threads start on ranges that are not
            // neighbours in memory. Measured on W4 (4 ranges of 8 rows): the forward pass 7 % faster than with
            // neighbouring ranges, whose rows meet within a page at every step (Xp, Hs, Cs, the packed h).
            int range = item % 2 * ((Count + 1) / 2) + item / 2;
            int b = layer.B, i0 = b * range / Count, i1 = b * (range + 1) / Count;
            if (i0 == i1) return;
            if (forward)
            {
                float* tile = stackalloc float[SgemmPacking.Mr * SgemmPacking.Nr];
                layer.ForwardRows(i0, i1, Isa, tile);
            }
            else layer.BackwardRows(i0, i1, Isa);
        }
    }
}
