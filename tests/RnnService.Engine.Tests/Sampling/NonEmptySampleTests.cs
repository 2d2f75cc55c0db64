using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Sampling;

/// <summary>Issue 24 item 8: a line model never writes an empty line (its training data has none), even at minLength 0.</summary>
public class NonEmptySampleTests
{
    private static readonly Hyperparameters Tiny =
        Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, ValidationFraction = 0 };

    [Fact]
    public void ANearlyUntrainedLineModelWritesNoEmptySampleWithoutAPromptEvenAtHighTemperature()
    {
        // One epoch on five names leaves the end marker about as likely as any character, so it comes first in many samples.
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru, Tiny,
            new TextCorpus("ann\nbob\ncid\ndee\neve\n", LineMode: true)).Model;

        var samples = model.Generate(new GenerationOptions { Count = 400, Temperature = 3, Seed = 1, MaxLength = 8 });

        Assert.Equal(400, samples.Count);
        Assert.DoesNotContain("", samples);
        Assert.Contains(samples, s => s.Length == 1);   // it may still end right after the first character
    }
}
