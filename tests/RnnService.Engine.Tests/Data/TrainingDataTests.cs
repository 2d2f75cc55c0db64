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
    }
}
