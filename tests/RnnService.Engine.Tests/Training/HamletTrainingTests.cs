using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

public class HamletTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void LstmMemorisesTheSoliloquyAndRecitesItGreedily()
    {
        var corpus = (TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            HiddenSize = 128, EmbeddingSize = 32, BatchSize = 1, SequenceLength = 100, ValidationFraction = 0,
            LearningRate = 0.01f, Epochs = 60,
        };
        var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);
        var last = result.History[^1];
        output.WriteLine($"{result.History.Count} epochs, loss {last.TrainLoss:F4}, {result.History.Sum(m => m.Seconds):F2} s");
        Assert.True(last.TrainLoss < 0.05, $"training loss {last.TrainLoss}");

        var model = Assert.IsType<CharLanguageModel>(result.Model);
        const string prompt = "to be, or not";
        var text = model.Generate(new GenerationOptions { Prompt = prompt, Temperature = 0, MaxLength = 100 })[0];
        int at = corpus.Text.IndexOf("or not", StringComparison.Ordinal) + "or not".Length;
        string expected = corpus.Text.Substring(at, 100);
        output.WriteLine(text);
        Assert.Equal(prompt + expected, text);
    }
}
