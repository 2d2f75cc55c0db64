// What the recurrent layers promise besides their equations (RecurrentLayer.cs): they reject empty shapes, a
// workspace reused from an earlier call leaks nothing into the next one (empty h0/c0 and dhT/dcT mean zeros, not
// the last call's states, a padded step adds no gradient an earlier batch left there, and a long batch's transposed
// weight gradients add nothing the last long batch left in their workspace), a single padded sequence
// keeps its state past its length like a padded batch row, a batch of one (the matrix-vector loop) agrees row by row
// with a batch of three (the fused loop), and a GRU or tanh RNN layer leaves the cell-state buffers it is given alone.
// Found by mutation testing (docs/testing.md): each test kills mutants the golden and gradient tests let live,
// since those build a fresh layer for every call and pass explicit states.
using RnnService.Engine.Core;
using RnnService.Engine.Layers;
using RnnService.Engine.Tests.Golden;

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
        Forward(layer, x, steps, batch, default, default, default);   // a Backward runs once per forward pass
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
    public void ASecondBackwardOverOneForwardPassIsRefusedAndTheNextForwardPassAllowsOneAgain(string arch, int batch)
    {
        // The gate gradients overwrite the gates they are computed from, so a second Backward over the same pass would
        // read gradients as gates; it is refused (as PyTorch refuses a second backward through a graph).
        const int steps = 3;
        var x = Uniform(steps * batch * Input, 21);
        var dy = Uniform(steps * batch * Hidden, 22);
        var (layer, p) = Initialized(arch);
        Forward(layer, x, steps, batch, default, default, default);
        layer.Backward(dy, default, default, default, default, default);
        var once = p.Grads.ToArray();

        Assert.Throws<InvalidOperationException>(() => layer.Backward(dy, default, default, default, default, default));
        Assert.Equal(once, p.Grads.ToArray());

        p.ZeroGrads();
        Forward(layer, x, steps, batch, default, default, default);
        layer.Backward(dy, default, default, default, default, default);
        Assert.Equal(once, p.Grads.ToArray());
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
    public void EveryLongBackwardAddsTheSameWeightGradientsForTheSameBatch(string arch)
    {
        // From TransposedWeightGradientRows rows on, dW is formed transposed in a workspace kept between calls and then
        // added in: the second backward over the same batch adds exactly what the first did, nothing the first left.
        const int steps = 32, batch = 8;
        Assert.True(steps * batch >= RecurrentLayer.TransposedWeightGradientRows);
        var x = Uniform(steps * batch * Input, 17);
        var dy = Uniform(steps * batch * Hidden, 18);
        var (layer, p) = Initialized(arch);
        var grads = new List<float[]>();
        for (int pass = 0; pass < 2; pass++)
        {
            p.ZeroGrads();
            Forward(layer, x, steps, batch, default, default, default);
            layer.Backward(dy, default, default, default, default, default);
            grads.Add((float[])p.Grads.Clone());
        }
        Assert.Contains(grads[0], g => g != 0);
        Assert.Equal(grads[0], grads[1]);
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
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void EachRowOfABatchRunAloneGivesItsOutputsStatesAndGradientsInTheBatch(string arch)
    {
        // A batch of one runs the matrix-vector time loop, a batch of three the fused tiles: the two are different code
        // for the same equations (inference and generation run the first, training the second). Row by row, padding
        // included, they agree to the golden files' tolerance; the batch's weight gradients are the rows' summed. The rows
        // alone write into an output buffer of stale values: a padded step's output is zeros, whatever the buffer held.
        const int steps = 5, batch = 3;
        int[] lengths = [5, 3, 4];
        var x = Uniform(steps * batch * Input, 13);
        var h0 = Uniform(batch * Hidden, 14);
        var c0 = Uniform(batch * Hidden, 15);
        var dy = Uniform(steps * batch * Hidden, 16);
        var (layer, p) = Initialized(arch);
        var (y, hT, cT) = Forward(layer, x, steps, batch, lengths, h0, c0);
        var dx = new float[x.Length];
        var dh0 = new float[batch * Hidden];
        layer.Backward(dy, default, default, dx, dh0, default);

        var (alone, q) = Initialized(arch);
        var rowGrads = new float[q.Grads.Length];
        for (int row = 0; row < batch; row++)
        {
            float[] Row(float[] stepMajor, int width) =>
                [.. Enumerable.Range(0, steps).SelectMany(step => stepMajor.AsSpan((step * batch + row) * width, width).ToArray())];
            float[] State(float[] rows) => rows.AsSpan(row * Hidden, Hidden).ToArray();
            q.ZeroGrads();
            var (yRow, hRow, cRow) = Forward(alone, Row(x, Input), steps, 1, [lengths[row]], State(h0), State(c0), staleOutput: 7);
            var dxRow = new float[steps * Input];
            var dh0Row = new float[Hidden];
            alone.Backward(Row(dy, Hidden), default, default, dxRow, dh0Row, default);
            for (int i = 0; i < rowGrads.Length; i++) rowGrads[i] += q.Grads[i];

            GoldenFile.AssertClose(Row(y, Hidden), yRow, $"row {row}: y");
            GoldenFile.AssertClose(State(hT), hRow, $"row {row}: hT");
            if (layer.HasCellState) GoldenFile.AssertClose(State(cT), cRow, $"row {row}: cT");
            GoldenFile.AssertClose(Row(dx, Input), dxRow, $"row {row}: dx");
            GoldenFile.AssertClose(State(dh0), dh0Row, $"row {row}: dh0");
        }
        GoldenFile.AssertClose(p.Grads, rowGrads, "weight gradients");
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

    /// <summary>Forward into new buffers; y starts as <paramref name="staleOutput"/> everywhere, as a reused buffer would.</summary>
    private static (float[] Y, float[] HT, float[] CT) Forward(RecurrentLayer layer, float[] x, int steps, int batch, int[]? lengths,
        float[]? h0, float[]? c0, float staleOutput = 0)
    {
        var y = Enumerable.Repeat(staleOutput, steps * batch * Hidden).ToArray();
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
