using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

/// <summary>Default settings learn the toy set. Speed is measured by the benchmark (docs/benchmarks.md), not here.</summary>
public class ToySentimentTrainingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void DefaultSettingsClassifyEveryTestSentenceCorrectly(Architecture architecture)
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var result = Trainer.Train(TaskKind.Sentiment, architecture, Hyperparameters.DefaultsFor(TaskKind.Sentiment), data);
        var model = Assert.IsType<SentimentClassifier>(result.Model);
        var predictions = model.Classify(data.Test!.Select(e => e.Text).ToList());
        int correct = predictions.Zip(data.Test!).Count(p => p.First.Label == p.Second.Label);
        var last = result.History[^1];
        output.WriteLine($"{architecture}: {result.History.Count} epochs, train loss {last.TrainLoss:F4}, test {correct}/20");
        Assert.Equal(20, correct);
        Assert.Equal(1.0, last.ValidationAccuracy);
    }
}
