// What the recurrent layers promise besides their equations (RecurrentLayer.cs): they reject empty shapes, a
// workspace reused from an earlier call leaks nothing into the next one (empty h0/c0 and dhT/dcT mean zeros, not
// the last call's states, and a padded step adds no gradient an earlier batch left there), a single padded sequence
// keeps its state past its length like a padded batch row, and a GRU or tanh RNN layer leaves the cell-state buffers
// it is given alone.
// Found by mutation testing (docs/testing.md): each test kills mutants the golden and gradient tests let live,
// since those build a fresh layer for every call and pass explicit states.
using RnnService.Engine.Core;
using RnnService.Engine.Layers;

namespace RnnService.Engine.Tests.Layers;

public class RecurrentLayerContractTests
{
    private const int Input = 3, Hidden = 11;

    /// <summary>Batch 1 runs the matrix-vector time loop, batch 3 the fused one.</summary>
    public static TheoryData<string, int> ArchitecturesAndBatches() => new()
    {
        { "lstm", 1 }, { "lstm", 3 }, { "gru", 1 }, { "gru", 3 }, { "rnn", 1 }, { "rnn", 3 },
    };

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void ALayerWithoutInputsOrHiddenUnitsIsRejectedNamingTheSize(string arch)
    {
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => Make(arch, 0, Hidden)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => Make(arch, Input, 0)).ParamName);
    }

    [Fact]
    public void AForwardPassOfNoStepsOrNoRowsIsRejected()
    {
        var (layer, _) = Initialized("lstm");
        Assert.Equal("t", Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward([], 0, 1, default, default, default, [], [], [])).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward([], 1, 0, default, default, default, [], [], [])).ParamName);
    }

    [Theory]
    [MemberData(nameof(ArchitecturesAndBatches))]
    public void EmptyInitialStatesAreZerosEvenAfterACallWithOtherStates(string arch, int batch)
    {
        const int steps = 4;
        var (layer, _) = Initialized(arch);
        var x = Uniform(steps * batch * Input, 1);
        var states = Uniform(batch * Hidden, 2);
        Forward(layer, x, steps, batch, default, states, states);   // leaves those states in the workspace

        var (y, hT, cT) = Forward(layer, x, steps, batch, default, default, default);
        var zeros = new float[batch * Hidden];
        var (yFresh, hFresh, cFresh) = Forward(Initialized(arch).Layer, x, steps, batch, default, zeros, zeros);

        Assert.Equal(yFresh, y);
        Assert.Equal(hFresh, hT);
        Assert.Equal(cFresh, cT);
    }

    [Theory]
    [MemberData(nameof(ArchitecturesAndBatches))]
    public void EmptyFinalStateGradientsAreZerosEvenAfterABackwardWithOthers(string arch, int batch)
    {
        const int steps = 4;
        var x = Uniform(steps * batch * Input, 3);
        var dy = Uniform(steps * batch * Hidden, 4);
        var dState = Uniform(batch * Hidden, 5);
        var (layer, p) = Initialized(arch);
        Forward(layer, x, steps, batch, default, default, default);
        layer.Backward(dy, dState, dState, default, new float[batch * Hidden], new float[batch * Hidden]);   // leaves gradients in the workspace

        p.ZeroGrads();
        var dx = new float[x.Length];
        layer.Backward(dy, default, default, dx, default, default);

        var (fresh, q) = Initialized(arch);
        Forward(fresh, x, steps, batch, default, default, default);
        var zeros = new float[batch * Hidden];
        var dxFresh = new float[x.Length];
        fresh.Backward(dy, zeros, zeros, dxFresh, default, default);
        Assert.Equal(dxFresh, dx);
        Assert.Equal(q.Grads, p.Grads);
    }

    [Theory]
    [MemberData(nameof(ArchitecturesAndBatches))]
    public void PaddedStepsAddNoGradientLeftFromAnEarlierBatchWithoutPadding(string arch, int batch)
    {
        // Training reuses one layer for batches of other lengths: the gate gradients of a padded step are zeros, not
        // the gradients an earlier unpadded batch left at that step (they would enter dW, db and dx through every row).
        const int steps = 5;
        var x = Uniform(steps * batch * Input, 11);
        var dy = Uniform(steps * batch * Hidden, 12);
        int[] lengths = [.. Enumerable.Range(0, batch).Select(row => 2 + row)];   // 2, 3, 4 of 5 steps
        var (layer, p) = Initialized(arch);
        Forward(layer, x, steps, batch, default, default, default);
        layer.Backward(dy, default, default, default, default, default);   // every step real: gradients everywhere

        p.ZeroGrads();
        var dx = new float[x.Length];
        Forward(layer, x, steps, batch, lengths, default, default);
        layer.Backward(dy, default, default, dx, default, default);

        var (fresh, q) = Initialized(arch);
        var dxFresh = new float[x.Length];
        Forward(fresh, x, steps, batch, lengths, default, default);
        fresh.Backward(dy, default, default, dxFresh, default, default);
        Assert.Equal(dxFresh, dx);
        Assert.Equal(q.Grads, p.Grads);
        for (int row = 0; row < batch; row++)
            for (int step = lengths[row]; step < steps; step++)
                Assert.All(dx.AsSpan((step * batch + row) * Input, Input).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void ASinglePaddedSequenceKeepsItsStatePastItsLength(string arch)
    {
        // Batch 1 runs the matrix-vector loop, not the fused one: a text of 3 tokens padded to 5 steps ends in the
        // state after its third token and emits zeros for the two pads, as the same text unpadded does.
        var (layer, _) = Initialized(arch);
        var x = Uniform(5 * Input, 6);
        var h0 = Uniform(Hidden, 7);
        var (yPadded, hPadded, cPadded) = Forward(layer, x, 5, 1, [3], h0, h0);
        var (yShort, hShort, cShort) = Forward(Initialized(arch).Layer, x[..(3 * Input)], 3, 1, default, h0, h0);

        Assert.Equal(yShort, yPadded[..(3 * Hidden)]);
        Assert.All(yPadded[(3 * Hidden)..], v => Assert.Equal(0f, v));
        Assert.Equal(hShort, hPadded);
        Assert.Equal(cShort, cPadded);
    }

    [Theory]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void LayersWithoutACellStateLeaveTheCellBuffersTheyAreGivenUntouched(string arch)
    {
        const int steps = 4, batch = 2;
        var (layer, _) = Initialized(arch);
        Assert.False(layer.HasCellState);
        var c0 = Uniform(batch * Hidden, 8);
        var cT = Enumerable.Repeat(7f, batch * Hidden).ToArray();
        layer.Forward(Uniform(steps * batch * Input, 9), steps, batch, default, default, c0, new float[steps * batch * Hidden], new float[batch * Hidden], cT);
        var dc0 = Enumerable.Repeat(7f, batch * Hidden).ToArray();
        layer.Backward(Uniform(steps * batch * Hidden, 10), default, c0, default, default, dc0);

        Assert.All(cT, v => Assert.Equal(7f, v));
        Assert.All(dc0, v => Assert.Equal(7f, v));
    }

    private static (float[] Y, float[] HT, float[] CT) Forward(RecurrentLayer layer, float[] x, int steps, int batch, int[]? lengths,
        float[]? h0, float[]? c0)
    {
        var y = new float[steps * batch * Hidden];
        var hT = new float[batch * Hidden];
        var cT = new float[layer.HasCellState ? batch * Hidden : 0];
        layer.Forward(x, steps, batch, lengths, h0, layer.HasCellState ? c0 : default, y, hT, cT);
        return (y, hT, cT);
    }

    private static RecurrentLayer Make(string arch, int input, int hidden, ParameterSet? p = null) => arch switch
    {
        "lstm" => new LstmLayer(p ?? new ParameterSet(), "", 0, input, hidden),
        "gru" => new GruLayer(p ?? new ParameterSet(), "", 0, input, hidden),
        _ => new TanhRnnLayer(p ?? new ParameterSet(), "", 0, input, hidden),
    };

    private static (RecurrentLayer Layer, ParameterSet P) Initialized(string arch)
    {
        var p = new ParameterSet();
        var layer = Make(arch, Input, Hidden, p);
        p.Allocate();
        new Rng(9).FillUniform(p.Values, -0.6f, 0.6f);
        p.MarkChanged();
        return (layer, p);
    }

    private static float[] Uniform(int length, int seed)
    {
        var values = new float[length];
        new Rng(seed).FillUniform(values, -1f, 1f);
        return values;
    }
}
