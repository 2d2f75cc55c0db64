using RnnService.Engine.Core;
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
    public void CharactersOfEqualProbabilityAreListedInTheAlphabetsOrder()
    {
        var model = LineCharModel(Architecture.Gru);
        var p = model.Network.Parameters;
        p.Value(p["head.weight"]).Clear();
        p.Value(p["head.bias"]).Clear();
        p.MarkChanged();

        var next = model.NextCharacters("ab", 4);

        Assert.Equal(["<eos>", "a", "b", "c"], next.Select(n => n.Character));
        Assert.All(next, n => Assert.Equal(1f / 7, n.Probability, 6));
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
        Assert.Throws<ArgumentNullException>(() => model.GenerateNew(null!, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GenerateNew(new GenerationOptions { Count = 0 }, 10));
        var config = WordClassifierConfig(Architecture.Lstm);
        Assert.Equal("config", Assert.Throws<ArgumentException>(() => new CharLanguageModel(config, model.Network)).ParamName);
    }

    [Fact]
    public void AContinuousModelsPerplexityAndScoresAreOverEveryCharacterAfterTheFirst()
    {
        var model = ContinuousCharModel("a");
        const string text = "abcde edcba bad cab";

        var perplexity = model.Perplexity(text);
        var scores = model.Score(text, top: 2);

        Assert.True(Math.Abs(perplexity / CharReference.Perplexity(model, text) - 1) <= 1e-6, $"{perplexity} against {CharReference.Perplexity(model, text)}");
        Assert.Equal(Enumerable.Range(1, text.Length - 1), scores.Select(s => s.Index));
        Assert.Equal(text[1..].Select(c => c.ToString()), scores.Select(s => s.Character));
        Assert.Equal((double)model.NextCharacters(text[..4], 6).Single(n => n.Character == "e").Probability, (double)scores[3].Probability!.Value, 6);   // scores[3] is text[4]
    }

    /// <summary>Two texts past the first 256-step window read together: the second window has two rows, each carrying the
    /// state of every layer from its own first window.</summary>
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void TwoLongTextsReadTogetherCarryEachTheirOwnStateIntoTheNextWindow(Architecture architecture)
    {
        var model = LineCharModel(architecture);
        var rng = new Rng(9);
        string Text(int length) => new(Enumerable.Range(0, length).Select(_ => "abcde "[rng.NextInt(6)]).ToArray());
        string[] texts = [Text(300), Text(420)];

        var scores = model.Score(texts.Select(t => new BatchText(t)).ToList(), top: 1);

        foreach (var (text, row) in texts.Select((t, i) => (t, i)))
            foreach (int index in new[] { 255, 256, 299, text.Length - 1 })
            {
                var alone = model.NextCharacters(text[..index], Letters.Length).Single(n => n.Character == text[index].ToString()).Probability;
                Assert.True(Math.Abs(alone - scores[row]![index].Probability!.Value) <= 1e-6, $"text {row} at {index}: {scores[row]![index].Probability} read together, {alone} alone");
            }
    }
}
