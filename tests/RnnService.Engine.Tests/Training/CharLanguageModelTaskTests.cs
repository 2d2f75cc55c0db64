using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>What a character model's task makes of its text: the smallest text it trains on, the continuous split's
/// edges (a validation share, or what it leaves to train, under two characters is no split), whether it validates, and
/// the prompt a model keeps for generation. How an epoch reads its lines and streams is in <see cref="TaskEpochMetricsTests"/>.</summary>
public class CharLanguageModelTaskTests
{
    private static readonly Hyperparameters Tiny = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
    {
        Epochs = 1, HiddenSize = 4, EmbeddingSize = 4, SequenceLength = 4, BatchSize = 1, EarlyStoppingPatience = 0,
    };

    [Fact]
    public void AContinuousTextOfOneCharacterIsRefusedAndOneOfTwoTrains()
    {
        var refused = Assert.Throws<TrainingDataException>(() =>
            Trainer.Train(TaskKind.CharLm, Architecture.Lstm, Tiny with { ValidationFraction = 0 }, new TextCorpus("a", LineMode: false)));
        Assert.Equal("The corpus needs at least two characters.", refused.Message);

        var history = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, Tiny with { ValidationFraction = 0 }, new TextCorpus("ab", LineMode: false)).History;
        Assert.True(history[0].TrainLoss > 0);
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrst", 0.1f, true)]   // 2 validation characters: the fewest kept
    [InlineData("abcdefghijklmnopqrst", 0.05f, false)] // 1: no split, the whole text trains
    [InlineData("abcd", 0.5f, true)]                   // 2 left to train: the fewest kept
    [InlineData("abc", 0.5f, false)]                   // 1.5 rounds to 2, which would leave 1 to train
    public void AContinuousSplitKeepsAtLeastTwoCharactersOnEachSideOrIsNotMade(string text, float fraction, bool split)
    {
        var epoch = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, Tiny with { ValidationFraction = fraction },
            new TextCorpus(text, LineMode: false)).History[0];

        Assert.Equal(split, epoch.ValidationLoss is not null);
        Assert.True(epoch.TrainLoss > 0);
    }

    [Fact]
    public void ALineModelWithoutAValidationShareReportsNoValidationLoss()
    {
        var epoch = Trainer.Train(TaskKind.CharLm, Architecture.Gru, Tiny with { ValidationFraction = 0 },
            new TextCorpus("ann\nbob\ncarol", LineMode: true)).History[0];

        Assert.Null(epoch.ValidationLoss);
    }

    [Fact]
    public void AContinuousModelKeepsItsTextsFirstCharacterAsItsPromptAndALineModelKeepsNone()
    {
        var continuous = Trainer.Train(TaskKind.CharLm, Architecture.Rnn, Tiny with { ValidationFraction = 0 },
            new TextCorpus("To be, or not to be", LineMode: false)).Model;
        var lines = Trainer.Train(TaskKind.CharLm, Architecture.Rnn, Tiny with { ValidationFraction = 0 },
            new TextCorpus("ann\nbob\ncarol", LineMode: true)).Model;

        Assert.Equal("T", continuous.Config.DefaultPrompt);
        Assert.Null(lines.Config.DefaultPrompt);
    }
}
