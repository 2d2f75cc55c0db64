using RnnService.Engine.Core;
using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Models;

public class InferenceCloneTests
{
    [Fact]
    public void CloneReadsTheSameWeightBufferWithoutGradientsAndGivesTheSameLogits()
    {
        var net = new RecurrentNetwork(Architecture.Lstm, vocabularySize: 9, embeddingSize: 4, hiddenSize: 6, layers: 2, outputSize: 1);
        net.Initialize(new Rng(5));
        var clone = net.CloneForInference();

        Assert.Same(net.Parameters.Values, clone.Parameters.Values);
        Assert.Empty(clone.Parameters.Grads);
        int[] tokens = [1, 2, 3, 4, 5, 6, 0, 0];
        int[] lengths = [4, 2];
        var expected = new float[2];
        var actual = new float[2];
        net.ClassifierLoss(tokens, 4, 2, lengths, default, backward: false, expected);
        clone.ClassifierLoss(tokens, 4, 2, lengths, default, backward: false, actual);
        Assert.Equal(expected, actual);
    }
}
