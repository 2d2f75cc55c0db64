using System.Diagnostics;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

/// <summary>Runs alone (no parallel test classes) because it also checks the training time.</summary>
[Collection(SerialTimingCollection.Name)]
public class ToySentimentTrainingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void DefaultSettingsClassifyEveryTestSentenceCorrectlyWithinASecond(Architecture architecture)
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment);
        Trainer.Train(TaskKind.Sentiment, architecture, hp with { Epochs = 2 }, data); // warm the JIT
        var clock = Stopwatch.StartNew();
        var result = Trainer.Train(TaskKind.Sentiment, architecture, hp, data);
        clock.Stop();
        var model = Assert.IsType<SentimentClassifier>(result.Model);
        var predictions = model.Classify(data.Test!.Select(e => e.Text).ToList());
        int correct = predictions.Zip(data.Test!).Count(p => p.First.Label == p.Second.Label);
        var last = result.History[^1];
        output.WriteLine($"{architecture}: {clock.Elapsed.TotalMilliseconds:F0} ms, {result.History.Count} epochs, train loss {last.TrainLoss:F4}, test {correct}/20");
        Assert.Equal(20, correct);
        Assert.Equal(1.0, last.ValidationAccuracy);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"training took {clock.Elapsed.TotalMilliseconds:F0} ms");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTimingCollection
{
    public const string Name = "Serial timing";
}
