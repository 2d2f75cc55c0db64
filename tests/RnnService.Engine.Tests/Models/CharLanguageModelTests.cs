using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

using static RnnService.Engine.Tests.Models.SmallModels;

namespace RnnService.Engine.Tests.Models;

/// <summary>A char model's own rules for prompts and texts, what it reports of unknown characters, and its next-character
/// list, on line models (which start from &lt;bos&gt;) and continuous ones (which start from a character).</summary>
public class CharLanguageModelTests
{
    [Fact]
    public void AContinuousModelNeedsAPromptUnlessItKeptOneAndALineModelNeverDoes()
    {
        Assert.NotNull(ContinuousCharModel(defaultPrompt: null).PromptError(""));
        Assert.NotNull(ContinuousCharModel(defaultPrompt: "").PromptError(""));
        Assert.Null(ContinuousCharModel(defaultPrompt: null).PromptError("a"));
        Assert.Null(ContinuousCharModel(defaultPrompt: "b").PromptError(""));
        Assert.Null(LineCharModel(Architecture.Gru).PromptError(""));
        Assert.Equal("prompt", Assert.Throws<ArgumentException>(() => ContinuousCharModel(null).NextCharacters("", 3)).ParamName);
    }

    [Fact]
    public void AContinuousModelScoresTextsOfTwoCharactersOrMoreAndALineModelAnyText()
    {
        var continuous = ContinuousCharModel("a");
        Assert.NotNull(continuous.TextError(""));
        Assert.NotNull(continuous.TextError("a"));
        Assert.Null(continuous.TextError("ab"));
        Assert.Null(continuous.TextError("abc"));
        Assert.Null(LineCharModel(Architecture.Lstm).TextError(""));
    }

    [Fact]
    public void AnEmptyPromptStartsFromTheKeptOneAndAGivenPromptFromItself()
    {
        var model = ContinuousCharModel(defaultPrompt: "b");

        var fromEmpty = model.NextCharacters("", 6);
        var fromB = model.NextCharacters("b", 6);
        var fromA = model.NextCharacters("a", 6);

        Assert.Equal(fromB, fromEmpty);
        Assert.NotEqual(fromB.Select(n => n.Probability), fromA.Select(n => n.Probability));
    }

    [Fact]
    public void NextCharactersListsOnlyCharactersTheModelMayWriteMostLikelyFirstSummingToOne()
    {
        var model = LineCharModel(Architecture.Lstm);

        var next = model.NextCharacters("ab", Letters.Length);

        // Every letter, the space and the end marker; never <pad>, <unk> or <bos>.
        Assert.Equal(Letters[3..].Order(StringComparer.Ordinal), next.Select(n => n.Character).Order(StringComparer.Ordinal));
        Assert.Equal(next.OrderByDescending(n => n.Probability).Select(n => n.Character), next.Select(n => n.Character));
        Assert.Equal(1.0, next.Sum(n => (double)n.Probability), 5);
    }

    [Fact]
    public void UnknownCharactersAreEachNamedOnceInTheOrderTheyFirstAppear()
    {
        var model = ContinuousCharModel("a");

        Assert.Equal(["z", "Q", "é"], model.UnknownCharacters("azbQzcé a"));
        Assert.Empty(model.UnknownCharacters("abc de"));
        Assert.Throws<ArgumentNullException>(() => model.UnknownCharacters(null!));
    }

    [Fact]
    public void GenerationRefusesMissingOrInvalidOptionsAndALanguageModelRefusesAClassifiersConfig()
    {
        var model = LineCharModel(Architecture.Lstm);

        Assert.Throws<ArgumentNullException>(() => model.Generate(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new GenerationOptions { Count = 0 }));
        var config = WordClassifierConfig(Architecture.Lstm);
        Assert.Equal("config", Assert.Throws<ArgumentException>(() => new CharLanguageModel(config, model.Network)).ParamName);
    }
}
