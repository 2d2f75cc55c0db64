using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Serialization;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Sampling;

/// <summary>Issue 24 item 2: a line model's default maxLength fits its longest training line; others keep 200.</summary>
public class DefaultMaxLengthTests
{
    private static readonly Hyperparameters Tiny =
        Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, ValidationFraction = 0.5f };

    // The longest line is 21 characters once its surrounding spaces are trimmed; it may land in the validation half.
    private static CharLanguageModel TrainNames() =>
        (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru, Tiny,
            new TextCorpus("ann\n  maximiliana-josephina  \nbob\ncid\r\ndee\neve\n", LineMode: true)).Model;

    [Theory]
    [InlineData(1, 6)]      // at least 5 characters more
    [InlineData(12, 17)]
    [InlineData(20, 25)]    // where a quarter is exactly 5
    [InlineData(21, 27)]    // a quarter of 21, rounded up
    [InlineData(100, 125)]
    public void TheDefaultIsTheLongestLinePlusAQuarterAndAtLeastFiveCharactersMore(int longestLine, int maxLength) =>
        Assert.Equal(maxLength, GenerationOptions.LineMaxLength(longestLine));

    [Fact]
    public void ALineModelStoresTheDefaultOfItsLongestLineAndKeepsItThroughSafetensors()
    {
        var model = TrainNames();
        Assert.Equal(27, model.Config.DefaultMaxLength);
        Assert.Equal(27, model.DefaultMaxLength);
        Assert.Contains("\"defaultMaxLength\":27", model.Config.ToJson());
        var loaded = Assert.IsType<CharLanguageModel>(RnnModel.FromSafetensors(model.ToSafetensors()));
        Assert.Equal(27, loaded.DefaultMaxLength);
    }

    [Fact]
    public void AContinuousModelKeepsTheFixedDefaultAndWritesNoField()
    {
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru, Tiny with { SequenceLength = 8 },
            new TextCorpus("to be or not to be, that is the question", LineMode: false)).Model;
        Assert.Null(model.Config.DefaultMaxLength);
        Assert.Equal(200, model.DefaultMaxLength);
        Assert.DoesNotContain("defaultMaxLength", model.Config.ToJson());
    }

    [Fact]
    public void ALineModelStoredBeforeTheFieldLoadsAndFallsBackTo200()
    {
        var model = TrainNames();
        var oldConfig = model.Config with { DefaultMaxLength = null };
        Assert.DoesNotContain("defaultMaxLength", oldConfig.ToJson());
        Assert.Null(ModelConfig.FromJson(oldConfig.ToJson()).DefaultMaxLength);
        var old = Assert.IsType<CharLanguageModel>(RnnModel.FromSafetensors(ModelSerializer.Write(oldConfig, model.Network)));
        Assert.True(old.LineMode);
        Assert.Equal(200, old.DefaultMaxLength);
    }
}
