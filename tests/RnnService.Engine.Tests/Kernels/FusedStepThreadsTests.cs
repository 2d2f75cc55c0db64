// Which thread runs a fused time loop: a long loop's rows are shared with the step partner, and a loop over one row,
// which has nothing to split, stays on the calling thread even when the partner is forced.
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;
using RnnService.Engine.Layers;

namespace RnnService.Engine.Tests.Kernels;

public class FusedStepThreadsTests
{
    [Fact]
    public void TwoThreadsShareTheRowsOfALongFusedLoop()
    {
        var (layer, _) = FusedStepTests.Make("lstm", 6, 64);
        const int steps = 50, batch = 32;
        var x = new float[steps * batch * 6];
        new Rng(3).FillUniform(x, -1, 1);
        int partnerItems;
        RecurrentLayer.ForcedStepPartner = true;
        try
        {
            layer.Forward(x, steps, batch, default, default, default, new float[steps * batch * 64], new float[batch * 64], default);
            partnerItems = StepTeam.t_partnerItems;
        }
        finally { RecurrentLayer.ForcedStepPartner = null; }
        Assert.InRange(partnerItems, 1, 4);   // 32 rows in 4 ranges of 8; 0 would mean the loop ran on the calling thread alone
    }

    [Fact]
    public void AOneRowLoopStaysOnTheCallingThreadEvenWhenThePartnerIsForced()
    {
        // 200 steps of one row: 2·T·B·G·H² = 6.6 MFLOP, above PartnerLoopFlops, but one row has nothing to split.
        var (layer, _) = FusedStepTests.Make("lstm", 6, 64);
        const int steps = 200, hidden = 64;
        var x = new float[steps * 6];
        new Rng(4).FillUniform(x, -1, 1);
        var dy = new float[steps * hidden];
        new Rng(5).FillUniform(dy, -1, 1);
        int partnerItems;
        RecurrentLayer.ForcedStepPartner = true;
        try
        {
            layer.Forward(x, steps, 1, default, default, default, new float[steps * hidden], new float[hidden], new float[hidden]);
            layer.Backward(dy, default, default, new float[steps * 6], new float[hidden], default);
            partnerItems = StepTeam.t_partnerItems;
        }
        finally { RecurrentLayer.ForcedStepPartner = null; }
        Assert.Equal(0, partnerItems);
    }
}
