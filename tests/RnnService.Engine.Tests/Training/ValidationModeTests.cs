// Validation runs in evaluation mode: with dropout on while training, each epoch's validation loss must be the loss of
// that epoch's weights without dropout (the same value a dropout-free network over the same weights gives), for
// both tasks. Validation computed with dropout on would make early stopping noisy and the metrics wrong.
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class ValidationModeTests
{
    [Theory]
    [InlineData(TaskKind.Sentiment)]
    [InlineData(TaskKind.CharLm)]
    public void ValidationLossWithDropoutIsTheLossOfTheWeightsWithoutDropout(TaskKind task)
    {
        TrainingData data = task == TaskKind.Sentiment
            ? BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)
            : new TextCorpus("anna\nbob\ncarla\ndave\neve\nfrank\ngina\nhal\nida\njo\nkim\nlou\n", LineMode: true);
        var hp = Hyperparameters.DefaultsFor(task) with
        {
            Epochs = 2, HiddenSize = 12, EmbeddingSize = 6, Layers = 2, Dropout = 0.5f, EmbeddingDropout = 0.3f,
            EarlyStoppingPatience = null, ValidationFraction = 0.3f, BatchSize = 4,
        };
        var result = Trainer.Train(task, Architecture.Lstm, hp, data);

        var withoutDropout = hp with { Dropout = 0, EmbeddingDropout = 0 };
        var network = (result.Model.Config with { Hyperparameters = withoutDropout }).CreateNetwork();
        result.Model.Network.Parameters.Values.CopyTo(network.Parameters.Values, 0);
        network.Parameters.MarkChanged();
        TrainingTask reference = task == TaskKind.Sentiment
            ? new SentimentTask((SentimentData)data, withoutDropout)
            : new CharLanguageModelTask((TextCorpus)data, withoutDropout);
        Assert.True(reference.HasValidation);
        double expected = reference.Evaluate(network).Loss;

        Assert.Equal(expected, result.History[^1].ValidationLoss!.Value, 12);
    }
}
