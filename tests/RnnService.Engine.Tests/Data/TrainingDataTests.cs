using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Data;

public class TrainingDataTests
{
    [Fact]
    public void SentimentExampleRejectsLabelsOtherThanZeroAndOne()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SentimentExample("good", 2));
        Assert.Equal("Label", error.ParamName);
    }

    [Fact]
    public void SentimentExampleRejectsEmptyText()
    {
        var error = Assert.Throws<ArgumentException>(() => new SentimentExample("  ", 1));
        Assert.Equal("Text", error.ParamName);
    }

    [Fact]
    public void SentimentDataRejectsAnEmptyTrainingSet()
    {
        var error = Assert.Throws<ArgumentException>(() => new SentimentData([]));
        Assert.Equal("Train", error.ParamName);
    }

    [Fact]
    public void SentimentDataKeepsItsExamples()
    {
        var data = new SentimentData([new("good", 1)], [new("bad", 0)]);
        Assert.Equal("good", data.Train[0].Text);
        Assert.Equal(0, data.Test![0].Label);
        Assert.Null(new SentimentData([new("good", 1)]).Test);
    }

    [Fact]
    public void TextCorpusRejectsEmptyText()
    {
        var error = Assert.Throws<ArgumentException>(() => new TextCorpus("", LineMode: false));
        Assert.Equal("Text", error.ParamName);
        Assert.Equal("Text", Assert.Throws<ArgumentException>(() => new TextCorpus(" \n ", LineMode: true)).ParamName);
    }

    [Fact]
    public void SentimentDataRejectsAMissingSetOrExampleNamingTheSetAndAllowsAnEmptyTestSet()
    {
        SentimentExample good = new("good", 1);

        Assert.Equal("Train", Assert.Throws<ArgumentNullException>(() => new SentimentData(null!)).ParamName);
        Assert.Equal("Train", Assert.Throws<ArgumentException>(() => new SentimentData([good, null!])).ParamName);
        Assert.Equal("Test", Assert.Throws<ArgumentException>(() => new SentimentData([good], [null!])).ParamName);
        Assert.Empty(new SentimentData([good], []).Test!);
    }

    [Fact]
    public void AHoldOutSplitsTheTrainingExamplesInFileOrderTheSameWayForTheSameSeed()
    {
        var data = new SentimentData(Enumerable.Range(0, 10).Select(i => new SentimentExample($"text {i}", i % 2)).ToList(), [new("test", 1)]);

        var (remaining, heldOut) = data.HoldOut(0.2f, seed: 7);

        Assert.Equal(2, heldOut.Count);
        Assert.Null(remaining.Test);
        Assert.Equal(data.Train, remaining.Train.Concat(heldOut).OrderBy(e => int.Parse(e.Text[5..])));
        Assert.Equal(remaining.Train.OrderBy(e => int.Parse(e.Text[5..])), remaining.Train);
        Assert.Equal(heldOut.OrderBy(e => int.Parse(e.Text[5..])), heldOut);
        Assert.Equal(heldOut, data.HoldOut(0.2f, seed: 7).HeldOut);
        Assert.Equal(data.HoldOut(0.2f, seed: 2026).HeldOut, data.HeldOutFifth().HeldOut);
        Assert.Equal(data.HoldOut(0.2f, seed: 2026).Remaining.Train, data.HeldOutFifth().Remaining.Train);
    }
}
