using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Tests.Onnx;

public class OnnxCharModelExportTests
{
    public static TheoryData<Architecture, int> Architectures() => new()
    {
        { Architecture.Lstm, 1 }, { Architecture.Lstm, 2 },
        { Architecture.Gru, 1 }, { Architecture.Gru, 2 },
        { Architecture.Rnn, 1 }, { Architecture.Rnn, 2 },
        { Architecture.Gru, 3 },
    };

    private static readonly string[] Lines = ["the cat", "a bad d", "hello m"];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void OnnxRuntimeGivesTheEngineLogitsAfterEveryPosition(Architecture architecture, int layers)
    {
        var model = OnnxTestModels.Char(architecture, layers);
        var (ids, b, t) = Batch(model);
        var network = model.Network.CloneForInference();
        network.LanguageModelLoss(ids, new int[b * t], t, b, default, default, default, backward: false);
        var timeMajor = network.LanguageModelLogits;
        int v = model.Config.OutputSize;
        var expected = new float[b * t * v];   // [B, T, V] as ONNX returns it
        for (int step = 0; step < t; step++)
            for (int row = 0; row < b; row++)
                timeMajor.Slice((step * b + row) * v, v).CopyTo(expected.AsSpan((row * t + step) * v, v));

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var outputs = onnx.Run((OnnxNames.Tokens, ids.Select(i => (long)i).ToArray(), [b, t]));

        Assert.Equal([b, t, v], outputs[OnnxNames.Logits].Shape);
        OnnxTestModels.AssertClose(expected, outputs[OnnxNames.Logits].Data);
        OnnxTestModels.AssertClose(network.FinalHidden, outputs[OnnxNames.FinalHidden].Data);
        Assert.Equal([layers, b, 8], outputs[OnnxNames.FinalHidden].Shape);
        if (architecture == Architecture.Lstm) OnnxTestModels.AssertClose(network.FinalCell, outputs[OnnxNames.FinalCell].Data);
        else Assert.DoesNotContain(OnnxNames.FinalCell, outputs.Keys);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void SoftmaxOfTheLastLogitsIsTheNextCharacterDistributionOfPredict(Architecture architecture, int layers)
    {
        var model = OnnxTestModels.Char(architecture, layers);
        const string prompt = "the bad c";
        var expected = model.NextCharacters(prompt, top: 100);
        var tokenizer = new CharTokenizer(model.Config.Vocabulary);
        long[] context = [tokenizer.BeginId, .. tokenizer.Encode(prompt).Select(i => (long)i)];

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var logits = onnx.Run((OnnxNames.Tokens, context, [1, context.Length]))[OnnxNames.Logits].Data;

        int v = tokenizer.Count;
        var last = logits.AsSpan((context.Length - 1) * v, v);
        // A client samples only real outputs: not <pad>, <unk> or <bos>.
        var allowed = Enumerable.Range(0, v).Select(i => i != tokenizer.PadId && i != tokenizer.UnknownId && i != tokenizer.BeginId).ToArray();
        var probabilities = new float[v];
        TokenSampler.Softmax(last, allowed, 1f, probabilities);
        Assert.Equal(allowed.Count(a => a), expected.Count);
        var vocabulary = model.Config.Vocabulary.ToList();
        OnnxTestModels.AssertClose(expected.Select(n => n.Probability).ToArray(),
            expected.Select(n => probabilities[vocabulary.IndexOf(n.Character)]).ToArray());
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void OneTokenPerCallWithTheStateFedBackGivesTheWholeSequenceLogits(Architecture architecture, int layers)
    {
        var model = OnnxTestModels.Char(architecture, layers);
        var (ids, b, t) = Batch(model);
        int v = model.Config.OutputSize;
        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var whole = onnx.Run((OnnxNames.Tokens, ids.Select(i => (long)i).ToArray(), [b, t]))[OnnxNames.Logits].Data;

        bool lstm = architecture == Architecture.Lstm;
        long[] stateShape = [layers, b, 8];
        var h = new float[layers * b * 8];
        var c = new float[layers * b * 8];
        for (int step = 0; step < t; step++)
        {
            var tokens = Enumerable.Range(0, b).Select(row => (long)ids[row * t + step]).ToArray();
            var inputs = new List<(string, Array, long[])> { (OnnxNames.Tokens, tokens, [b, 1]), (OnnxNames.InitialHidden, h, stateShape) };
            if (lstm) inputs.Add((OnnxNames.InitialCell, c, stateShape));
            var outputs = onnx.Run([.. inputs]);
            for (int row = 0; row < b; row++)
                OnnxTestModels.AssertClose(whole.AsSpan((row * t + step) * v, v), outputs[OnnxNames.Logits].Data.AsSpan(row * v, v));
            h = outputs[OnnxNames.FinalHidden].Data;
            if (lstm) c = outputs[OnnxNames.FinalCell].Data;
        }
    }

    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    [InlineData(Architecture.Rnn)]
    public void AFedStartStateGivesTheEngineLogitsFromThatState(Architecture architecture)
    {
        var model = OnnxTestModels.Char(architecture, layers: 2);
        var (ids, b, t) = Batch(model);
        var rng = new RnnService.Engine.Core.Rng(3);
        var h0 = Enumerable.Range(0, 2 * b * 8).Select(_ => rng.NextFloat() - 0.5f).ToArray();
        var c0 = Enumerable.Range(0, 2 * b * 8).Select(_ => rng.NextFloat() - 0.5f).ToArray();
        bool lstm = architecture == Architecture.Lstm;
        var network = model.Network.CloneForInference();
        var expected = network.NextTokenLogits(ids, t, b, h0, lstm ? c0 : default).ToArray();   // [B, V] after the last step

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));
        var inputs = new List<(string, Array, long[])> { (OnnxNames.Tokens, ids.Select(i => (long)i).ToArray(), [b, t]), (OnnxNames.InitialHidden, h0, [2, b, 8]) };
        if (lstm) inputs.Add((OnnxNames.InitialCell, c0, [2, b, 8]));
        var fed = onnx.Run([.. inputs])[OnnxNames.Logits].Data;
        var fromZeros = onnx.Run((OnnxNames.Tokens, ids.Select(i => (long)i).ToArray(), [b, t]))[OnnxNames.Logits].Data;

        int v = model.Config.OutputSize;
        var lastFed = new float[b * v];
        var lastFromZeros = new float[b * v];
        for (int row = 0; row < b; row++)
        {
            fed.AsSpan((row * t + t - 1) * v, v).CopyTo(lastFed.AsSpan(row * v));
            fromZeros.AsSpan((row * t + t - 1) * v, v).CopyTo(lastFromZeros.AsSpan(row * v));
        }
        OnnxTestModels.AssertClose(expected, lastFed);
        Assert.True(expected.Zip(lastFromZeros).Max(p => MathF.Abs(p.First - p.Second)) > 1e-3f, "The fed state should make a difference.");
    }

    /// <summary>Lines of equal length as a batch [B, T]: &lt;bos&gt; then the characters.</summary>
    private static (int[] Ids, int B, int T) Batch(CharLanguageModel model)
    {
        var tokenizer = new CharTokenizer(model.Config.Vocabulary);
        var rows = Lines.Select(line => (int[])[tokenizer.BeginId, .. tokenizer.Encode(line)]).ToArray();
        int t = rows[0].Length;
        Assert.All(rows, r => Assert.Equal(t, r.Length));
        return (rows.SelectMany(r => r).ToArray(), rows.Length, t);
    }
}
