using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Data;

public class BuiltInDatasetsTests
{
    [Fact]
    public void ToySentimentHasTheSeedsSplitInFileOrder()
    {
        var data = Assert.IsType<SentimentData>(BuiltInDatasets.Load("toy-sentiment"));
        Assert.Equal(58, data.Train.Count);
        Assert.Equal(20, data.Test!.Count);
        Assert.Equal(new SentimentExample("good", 1), data.Train[0]);
        Assert.Equal(new SentimentExample("bad", 0), data.Train[1]);
        Assert.Equal(new SentimentExample("not good", 0), data.Train[4]);
    }

    [Fact]
    public void UsNamesHas8000LinesStartingWithJames()
    {
        var corpus = Assert.IsType<TextCorpus>(BuiltInDatasets.Load("us-names"));
        Assert.True(corpus.LineMode);
        var lines = CharTokenizer.SplitLines(corpus.Text);
        Assert.Equal(8000, lines.Count);
        Assert.Equal(["james", "john", "robert"], lines.Take(3));
    }

    [Fact]
    public void HamletIsOneContinuousLineOf866Characters()
    {
        var corpus = Assert.IsType<TextCorpus>(BuiltInDatasets.Load("hamlet"));
        Assert.False(corpus.LineMode);
        Assert.StartsWith("To be, or not to be", corpus.Text);
        Assert.EndsWith("quietus make", corpus.Text);
        Assert.Equal(866, corpus.Text.Length);
    }

    [Fact]
    public void ImdbSentencesHas1000TrimmedSentencesHalfPositiveInFileOrder()
    {
        var data = Assert.IsType<SentimentData>(BuiltInDatasets.Load("imdb-sentences"));
        Assert.Null(data.Test);
        Assert.Equal(1000, data.Train.Count);
        Assert.Equal(500, data.Train.Count(e => e.Label == 1));
        Assert.Equal(new SentimentExample("A very, very, very slow-moving, aimless movie about a distressed, drifting young man.", 0), data.Train[0]);
        Assert.All(data.Train, e => Assert.Equal(e.Text.Trim(), e.Text));
    }

    [Fact]
    public void LoadReturnsTheCachedInstance()
    {
        Assert.Same(BuiltInDatasets.Load("hamlet"), BuiltInDatasets.Load("hamlet"));
    }

    [Fact]
    public void CatalogDescribesEachDataset()
    {
        var all = BuiltInDatasets.All;
        Assert.Equal(["toy-sentiment", "hamlet", "us-names", "imdb-sentences"], all.Select(d => d.Name));
        Assert.Equal([TaskKind.Sentiment, TaskKind.CharLm, TaskKind.CharLm, TaskKind.Sentiment], all.Select(d => d.Task));
        Assert.Equal([78, 866, 8000, 1000], all.Select(d => d.Samples));
        Assert.Equal([4532L, 872L, 55885L, 104371L], all.Select(d => d.Bytes));
        Assert.All(all, d => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
    }

    [Fact]
    public void ExistsKnowsOnlyTheBuiltIns()
    {
        Assert.True(BuiltInDatasets.Exists("us-names"));
        Assert.True(BuiltInDatasets.Exists("imdb-sentences"));
        Assert.False(BuiltInDatasets.Exists("imdb"));
    }

    [Fact]
    public void LoadRejectsAnUnknownName()
    {
        var error = Assert.Throws<ArgumentException>(() => BuiltInDatasets.Load("imdb"));
        Assert.Equal("name", error.ParamName);
    }
}
