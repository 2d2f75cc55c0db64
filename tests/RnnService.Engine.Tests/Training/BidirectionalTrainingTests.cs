using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class BidirectionalTrainingTests
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void ABidirectionalClassifierLearnsToySentimentAndSurvivesASafetensorsRoundTrip(Architecture architecture)
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(data)) with { Bidirectional = true, HiddenSize = 32 };

        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, architecture, hp, data).Model;
        var texts = data.Test!.Select(e => e.Text).ToList();
        var predictions = model.Classify(texts);

        Assert.Equal(20, predictions.Zip(data.Test!).Count(p => p.First.Label == p.Second.Label));
        var file = model.ToSafetensors();
        var reloaded = Assert.IsType<SentimentClassifier>(RnnModel.FromSafetensors(file));
        Assert.True(reloaded.Config.Hyperparameters.Bidirectional);
        Assert.Equal(predictions.Select(p => p.Probability), reloaded.Classify(texts).Select(p => p.Probability));
    }
}
