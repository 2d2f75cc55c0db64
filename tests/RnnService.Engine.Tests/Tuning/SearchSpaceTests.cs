using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Engine.Tests.Tuning;

public class SearchSpaceTests
{
    private static readonly Hyperparameters Base = Hyperparameters.DefaultsFor(TaskKind.Sentiment);

    private static SearchSpace Space(SearchStrategy strategy, params SearchDimension[] dimensions) => new(dimensions, strategy, seed: 7);

    private static string[] ErrorFields(SearchSpace space) => space.Errors().Select(e => e.Key).ToArray();

    [Fact]
    public void EachMalformedDimensionIsNamedInTheErrors()
    {
        var space = Space(SearchStrategy.Random,
            SearchDimension.Range("learningRate", 0.1, 0.01),
            SearchDimension.Range("weightDecay", 0, 1, log: true),
            SearchDimension.List("dropout"),
            SearchDimension.List("hiddenSize", 32.0, 0.5),
            SearchDimension.Range("layers", 1.2, 1.8),
            SearchDimension.List("colour", "red"),
            SearchDimension.Range("epochs", 1, 3),
            SearchDimension.Range("pooling", 0, 1),
            SearchDimension.List("architecture", "lstm", "transformer"));

        Assert.Equal(["learningRate", "weightDecay", "dropout", "hiddenSize", "layers", "colour", "epochs", "pooling", "architecture"],
            ErrorFields(space));
        Assert.Contains("min (0.1) is greater than max (0.01)", space.Errors()[0].Value);
    }

    [Fact]
    public void AWellFormedSpaceHasNoErrors() =>
        Assert.Empty(Space(SearchStrategy.Random, SearchDimension.Range("learningRate", 1e-4, 1e-1, log: true),
            SearchDimension.List("architecture", "lstm", "gru"), SearchDimension.List("pretrainedEmbeddings", "none")).Errors());

    [Fact]
    public void AGridRefusesAContinuousRangeButEnumeratesAWholeNumberRange()
    {
        Assert.Equal(["learningRate"], ErrorFields(Space(SearchStrategy.Grid, SearchDimension.Range("learningRate", 0.001, 0.01))));
        var grid = Space(SearchStrategy.Grid, SearchDimension.Range("layers", 1, 3), SearchDimension.List("architecture", "lstm", "gru"));
        Assert.Empty(grid.Errors());
        Assert.Equal(6, grid.GridSize());
        // The last dimension changes fastest.
        Assert.Equal([(1, Architecture.Lstm), (1, Architecture.Gru), (2, Architecture.Lstm), (2, Architecture.Gru), (3, Architecture.Lstm), (3, Architecture.Gru)],
            grid.Grid().Select(p => ((int)p.Values["layers"], (Architecture)p.Values["architecture"])));
    }

    [Fact]
    public void ARandomTrialDependsOnlyOnTheSeedAndItsIndex()
    {
        var space = Space(SearchStrategy.Random, SearchDimension.Range("learningRate", 1e-4, 1e-1, log: true), SearchDimension.Range("hiddenSize", 16, 256));
        var forwards = Enumerable.Range(0, 8).Select(i => space.Trial(i, _ => true)!.Values).ToList();
        var backwards = Enumerable.Range(0, 8).Reverse().Select(i => space.Trial(i, _ => true)!.Values).Reverse().ToList();
        var otherSeed = new SearchSpace(space.Dimensions, SearchStrategy.Random, seed: 8).Trial(0, _ => true)!.Values;

        Assert.Equal(forwards.Select(v => (float)v["learningRate"]), backwards.Select(v => (float)v["learningRate"]));
        Assert.Equal(8, forwards.Select(v => (float)v["learningRate"]).Distinct().Count());
        Assert.NotEqual((float)forwards[0]["learningRate"], (float)otherSeed["learningRate"]);
    }

    [Fact]
    public void RandomDrawsStayInTheirRangesWithWholeNumbersForIntegerSettings()
    {
        var space = Space(SearchStrategy.Random, SearchDimension.Range("learningRate", 1e-4, 1e-1, log: true), SearchDimension.Range("hiddenSize", 16, 20));
        var points = Enumerable.Range(0, 500).Select(i => space.Trial(i, _ => true)!).ToList();
        var rates = points.Select(p => (float)p.Values["learningRate"]).ToList();
        var sizes = points.Select(p => (int)p.Values["hiddenSize"]).ToList();

        Assert.All(rates, r => Assert.InRange(r, 1e-4f, 1e-1f));
        // Log scale: about a third of the draws in each decade.
        Assert.InRange(rates.Count(r => r < 1e-3f), 120, 210);
        Assert.Equal([16, 17, 18, 19, 20], sizes.Distinct().Order());
    }

    [Fact]
    public void PointsThatBreakARuleAreSkippedAndAnAllBadSpaceHasNoTrial()
    {
        var space = Space(SearchStrategy.Grid, SearchDimension.List("layers", 1.0, 4.0, 2.0));
        bool Valid(SearchPoint p) => p.Errors(TaskKind.Sentiment, Base, Architecture.Lstm).Count == 0;

        Assert.Equal([1, 2], new[] { 0, 1 }.Select(i => (int)space.Trial(i, Valid)!.Values["layers"]));
        Assert.Null(space.Trial(2, Valid));
        Assert.Null(Space(SearchStrategy.Random, SearchDimension.Range("dropout", 1, 2)).Trial(0, p => p.Errors(TaskKind.Sentiment, Base, Architecture.Lstm).Count == 0));
    }

    [Fact]
    public void APointIsMergedOverTheBaseSettings()
    {
        var point = new SearchPoint(new Dictionary<string, object>
        {
            ["hiddenSize"] = 48, ["architecture"] = Architecture.Gru, ["pretrainedEmbeddings"] = SearchSpace.NoneValue.Instance,
        });
        var (h, architecture) = point.Apply(Base with { PretrainedEmbeddings = "glove-6b-100d" }, Architecture.Lstm);

        Assert.Equal(Base with { HiddenSize = 48, PretrainedEmbeddings = null }, h);
        Assert.Equal(Architecture.Gru, architecture);
    }

    [Fact]
    public void TheUnchangedPointHoldsTheBaseSettingsOwnValuesAndAppliesAsNoChange()
    {
        var space = Space(SearchStrategy.Random, SearchDimension.Range("learningRate", 0.01, 0.03, log: true),
            SearchDimension.List("hiddenSize", 32.0, 128.0), SearchDimension.List("pooling", "max", "mean"),
            SearchDimension.List("pretrainedEmbeddings", "none", "glove-6b-100d"), SearchDimension.List("architecture", "lstm", "gru"));
        var settings = Base with { LearningRate = 0.005f, HiddenSize = 64, Pooling = Pooling.Last, PretrainedEmbeddings = null };

        var point = space.Unchanged(settings, Architecture.Gru);

        // Values outside the space's lists and ranges are kept: it is the base, not a draw.
        Assert.Equal(0.005f, point.Values["learningRate"]);
        Assert.Equal(64, point.Values["hiddenSize"]);
        Assert.Equal(Pooling.Last, point.Values["pooling"]);
        Assert.Same(SearchSpace.NoneValue.Instance, point.Values["pretrainedEmbeddings"]);
        Assert.Equal(Architecture.Gru, point.Values["architecture"]);
        Assert.Equal((settings, Architecture.Gru), point.Apply(settings, Architecture.Gru));
    }
}
