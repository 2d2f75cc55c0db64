using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>
/// <see cref="Hyperparameters.DefaultsFor(TaskKind, DataShape)"/> and <see cref="Hyperparameters.EpochsFor"/>: the
/// settings fitted to a dataset's size, with the step counts worked out by hand in each test.
/// </summary>
public class FittedDefaultsTests
{
    [Fact]
    public void AClassifierStartsFromFrozenGloveVectorsWithMaxPoolingAndThirtyEpochsForEarlyStopping()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, new DataShape(1000, Continuous: false));

        Assert.Equal((0.005f, 0f, Pooling.Max), (hp.LearningRate, hp.WeightDecay, hp.Pooling));
        Assert.Equal((BuiltInWordVectors.Glove6B100d, 100), (hp.PretrainedEmbeddings, hp.EmbeddingSize));
        // 900 training texts in batches of 8: 113 steps an epoch, so 6 reach 600 steps; early stopping (patience 3) gets 30.
        Assert.Equal((8, 0.1f, 3, 30), (hp.BatchSize, hp.ValidationFraction, hp.EarlyStoppingPatience, hp.Epochs));
    }

    [Fact]
    public void AContinuousTextJustUnderTwentyThousandCharactersIsOneStreamWithoutValidation()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(19_999, Continuous: true));

        // One stream of 19,998 targets in windows of 100: 200 steps an epoch, 3 epochs for 600 steps.
        Assert.Equal((1, 0f, 0, 3), (hp.BatchSize, hp.ValidationFraction, hp.EarlyStoppingPatience, hp.Epochs));
        Assert.Equal(0.005f, hp.LearningRate);
        Assert.Null(hp.PretrainedEmbeddings);
    }

    [Fact]
    public void AContinuousTextOfTwentyThousandCharactersIsBatchedAndStopsEarly()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(20_000, Continuous: true));

        // 18,000 training characters in 64 streams of 281 (2.8 windows): 3 steps an epoch, so 200 epochs reach 600 steps.
        Assert.Equal((64, 0.1f, 2, 200), (hp.BatchSize, hp.ValidationFraction, hp.EarlyStoppingPatience, hp.Epochs));
    }

    [Fact]
    public void ALongContinuousTextKeepsTheEpochsForSixHundredStepsWhenThatIsMoreThanThirty()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, new DataShape(100_000, Continuous: true));

        // 90,000 training characters: 64 streams (899 windows would fit), 1,406 characters each, 15 windows: 40 epochs.
        Assert.Equal(40, hp.Epochs);
    }

    [Theory]
    [InlineData(64, 30)]   // 7,200 training lines: 113 steps an epoch; 6 epochs reach 600 steps, early stopping gets 30
    [InlineData(16, 27)]   // 450 steps an epoch: 27 epochs are the fewest with at least 12,000 steps, fewer than 30
    public void ALineCorpusGetsThirtyEpochsForEarlyStoppingOrTwelveThousandStepsIfFewer(int batchSize, int epochs)
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { BatchSize = batchSize };

        Assert.Equal(epochs, hp.EpochsFor(TaskKind.CharLm, new DataShape(8000, Continuous: false)));
    }

    [Fact]
    public void WithoutEarlyStoppingTheEpochsGiveSixHundredStepsAndNeverMoreThanFiveHundred()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { EarlyStoppingPatience = 0, ValidationFraction = 0, BatchSize = 10 };

        Assert.Equal(6, hp.EpochsFor(TaskKind.Sentiment, new DataShape(1000, Continuous: false)));      // 100 steps an epoch
        Assert.Equal(60, hp.EpochsFor(TaskKind.Sentiment, new DataShape(100, Continuous: false)));      // 10 steps an epoch
        Assert.Equal(500, hp.EpochsFor(TaskKind.Sentiment, new DataShape(1, Continuous: false)));       // 600, clamped
        Assert.Equal(1, hp.EpochsFor(TaskKind.Sentiment, new DataShape(1_000_000, Continuous: false))); // 100,000 steps
    }

    [Theory]
    [InlineData(0.5f, 12)]   // the largest valid split: 500 training texts, 50 steps an epoch
    [InlineData(0.7f, 6)]    // invalid (Errors() refuses it): counted as no split, 100 steps an epoch
    [InlineData(-0.1f, 6)]
    public void TheValidationShareShortensTheEpochOnlyWhenItIsValid(float validationFraction, int epochs)
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
        {
            EarlyStoppingPatience = 0, BatchSize = 10, ValidationFraction = validationFraction,
        };

        Assert.Equal(epochs, hp.EpochsFor(TaskKind.Sentiment, new DataShape(1000, Continuous: false)));
    }

    [Theory]
    [InlineData(2000, 64, 300)]   // 1,999 targets: 19 whole windows fit, so 19 streams of 105, each read in 2 windows
    [InlineData(1001, 1, 60)]     // one stream of 1,000 targets: exactly 10 windows
    public void AShortContinuousTextIsCutIntoAsManyWholeWindowStreamsAsFit(int characters, int batchSize, int epochs)
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { EarlyStoppingPatience = 0, ValidationFraction = 0, BatchSize = batchSize };

        Assert.Equal(epochs, hp.EpochsFor(TaskKind.CharLm, new DataShape(characters, Continuous: true)));
    }

    [Fact]
    public void AnUnknownTaskOrMissingShapeIsRefused()
    {
        Assert.Equal("task", Assert.Throws<ArgumentException>(() => Hyperparameters.DefaultsFor((TaskKind)9)).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => Hyperparameters.DefaultsFor(TaskKind.CharLm, null!)).ParamName);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm);
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => hp.EpochsFor(TaskKind.CharLm, null!)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => hp.MinimumTrainingMultiplyAdds(Architecture.Lstm, null!)).ParamName);
    }

    [Fact]
    public void SettingsNotYetValidatedAreClampedInsteadOfDividingByZero()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            EarlyStoppingPatience = 0, ValidationFraction = 0, BatchSize = 0, SequenceLength = 0,
        };

        // Batch 1 and windows of 2: 999 targets in one stream, 500 steps an epoch, 2 epochs.
        Assert.Equal(2, hp.EpochsFor(TaskKind.CharLm, new DataShape(1000, Continuous: true)));
        // Lines in batches of 1: 1,000 steps an epoch, 1 epoch.
        Assert.Equal(1, hp.EpochsFor(TaskKind.CharLm, new DataShape(1000, Continuous: false)));
    }
}
