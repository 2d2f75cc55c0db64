using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Serialization;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Sampling;

/// <summary>Issue 13: a line model keeps its training lines (hashed) in its safetensors metadata.</summary>
public class TrainingLineSetTests
{
    private static CharLanguageModel TrainNames() =>
        (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru,
            Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 2, HiddenSize = 8, EmbeddingSize = 4, ValidationFraction = 0.5f },
            new TextCorpus("anna\n bob \ncarl\r\ndora\nemil\nfrida\n", LineMode: true)).Model;

    [Fact]
    public void ALineModelKnowsEveryCorpusLineIncludingValidationLinesAndNothingElse()
    {
        var lines = TrainNames().TrainingLines!;
        Assert.Equal(6, lines.Count);
        Assert.All(new[] { "anna", "bob", "carl", "dora", "emil", "frida" }, l => Assert.True(lines.Contains(l), l));
        Assert.All(new[] { "ann", "Anna", "bob ", "", "fridа" /* Cyrillic а */ }, l => Assert.False(lines.Contains(l), l));
    }

    [Fact]
    public void TheLinesSurviveTheSafetensorsRoundTripAndOlderFilesLoadWithout()
    {
        var model = TrainNames();
        var loaded = Assert.IsType<CharLanguageModel>(RnnModel.FromSafetensors(model.ToSafetensors()));
        Assert.Equal(model.TrainingLines!.ToBase64(), loaded.TrainingLines!.ToBase64());

        // A file written without the key (as before issue 13) still loads, with no lines.
        var old = ModelSerializer.Write(model.Config, model.Network);
        var oldModel = Assert.IsType<CharLanguageModel>(RnnModel.FromSafetensors(old));
        Assert.Null(oldModel.TrainingLines);
        Assert.Throws<InvalidOperationException>(() => oldModel.GenerateNew(new GenerationOptions { Count = 1 }, 5));
        Assert.Equal(model.Generate(new GenerationOptions { Count = 4, Seed = 2 }), oldModel.Generate(new GenerationOptions { Count = 4, Seed = 2 }));
    }

    [Fact]
    public void GenerateNewNeverReturnsATrainingLineAndCountsWhatItDropped()
    {
        var model = TrainNames();
        var options = new GenerationOptions { Count = 20, Seed = 9, Temperature = 0.5f, MaxLength = 8 };
        var plain = model.Generate(options);
        var (samples, rejected, candidates) = model.GenerateNew(options, 100);
        Assert.DoesNotContain(samples, model.TrainingLines!.Contains);
        Assert.Equal(candidates - samples.Count, rejected);
        Assert.True(rejected >= plain.Count(model.TrainingLines!.Contains));
        Assert.Equal(plain.Where(s => !model.TrainingLines!.Contains(s)), samples.Take(plain.Count(s => !model.TrainingLines!.Contains(s))));
    }

    [Fact]
    public void AModelThatOnlyWritesTrainingLinesStopsAtMaxCandidatesHavingRejectedEachOfThem()
    {
        // Every one-character sample of this alphabet is a training line, and a line model never writes an empty one.
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm,
            Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 4, EmbeddingSize = 2, ValidationFraction = 0 },
            new TextCorpus("a\nb\nc\n", LineMode: true)).Model;

        // Rounds of 5, 5 and then the 2 the budget has left.
        var (samples, rejected, candidates) = model.GenerateNew(new GenerationOptions { Count = 5, MaxLength = 1, Seed = 1 }, maxCandidates: 12);

        Assert.Empty(samples);
        Assert.Equal((12, 12), (rejected, candidates));
    }

    [Fact]
    public void AMalformedHashListIsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => TrainingLineSet.FromBase64("not base64!"));
        Assert.Throws<InvalidDataException>(() => TrainingLineSet.FromBase64(Convert.ToBase64String(new byte[7])));
        Assert.Throws<InvalidDataException>(() => TrainingLineSet.FromBase64(Convert.ToBase64String(new byte[16])));   // 0, 0: not strictly sorted
    }
}
