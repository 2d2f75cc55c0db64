using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Data;

public class DatasetParserTests
{
    private static SentimentData ParseSentiment(string format, string content) =>
        Assert.IsType<SentimentData>(DatasetParser.Parse(TaskKind.Sentiment, format, content, lineMode: false));

    private static FormatException SentimentError(string format, string content) =>
        Assert.Throws<FormatException>(() => DatasetParser.Parse(TaskKind.Sentiment, format, content, lineMode: false));

    [Fact]
    public void CsvWithQuotingParsesEveryRow()
    {
        string csv = "Text,LABEL\r\ngood,1\r\n\"bad, really\",0\r\n\"she said \"\"fine\"\"\nthen left\",1\r\n\r\n";
        var data = ParseSentiment("csv", csv);
        Assert.Equal(
            [new SentimentExample("good", 1), new("bad, really", 0), new("she said \"fine\"\nthen left", 1)],
            data.Train);
        Assert.Null(data.Test);
    }

    [Fact]
    public void CsvRejectsABadHeaderOnLine1()
    {
        var error = SentimentError("csv", "sentence,label\ngood,1\n");
        Assert.Contains("Line 1", error.Message);
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void CsvReportsALabelOtherThanZeroOrOneWithItsLine()
    {
        var error = SentimentError("csv", "text,label\ngood,1\nbad,2\n");
        Assert.Contains("Line 3", error.Message);
        Assert.Contains("label must be 0 or 1", error.Message);
    }

    [Fact]
    public void CsvCountsLinesInsideQuotedFields()
    {
        var error = SentimentError("csv", "text,label\n\"two\nlines\",1\ngood\n");
        Assert.Contains("Line 4", error.Message);
        Assert.Contains("expected 2 fields", error.Message);
    }

    [Fact]
    public void CsvReportsEmptyTextWithItsLine()
    {
        var error = SentimentError("csv", "text,label\ngood,1\n\"\",0\n");
        Assert.Contains("Line 3", error.Message);
        Assert.Contains("text is empty", error.Message);
    }

    [Fact]
    public void CsvReportsAnUnclosedQuoteWithItsLine()
    {
        var error = SentimentError("csv", "text,label\n\"never closed,1\n");
        Assert.Contains("Line 2", error.Message);
    }

    [Fact]
    public void CsvWithOnlyAHeaderIsEmpty()
    {
        var error = SentimentError("csv", "text,label\n");
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void JsonLinesParsesEachNonEmptyLine()
    {
        var data = ParseSentiment("jsonl", "{\"text\": \"good\", \"label\": 1}\n\n{\"label\": 0, \"text\": \"bad\"}\n");
        Assert.Equal([new SentimentExample("good", 1), new("bad", 0)], data.Train);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\", \"label\": 1}\n{\"text\": \"bad\",", "Line 2", "invalid JSON")]
    [InlineData("{\"text\": \"ok\", \"label\": 1}\n\n{\"label\": 1}", "Line 3", "missing field \"text\"")]
    [InlineData("{\"text\": \"ok\"}", "Line 1", "missing field \"label\"")]
    [InlineData("{\"text\": \"ok\", \"label\": \"1\"}", "Line 1", "label must be 0 or 1")]
    [InlineData("{\"text\": \"ok\", \"label\": 3}", "Line 1", "label must be 0 or 1")]
    [InlineData("{\"text\": \" \", \"label\": 1}", "Line 1", "text is empty")]
    [InlineData("[1, 2]", "Line 1", "expected a JSON object")]
    public void JsonLinesReportsEachProblemWithItsLine(string content, string line, string problem)
    {
        var error = SentimentError("jsonl", content);
        Assert.Contains(line, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void JsonLinesWithNoObjectsIsEmpty()
    {
        Assert.Contains("empty", SentimentError("jsonl", "\n \n").Message);
    }

    [Fact]
    public void TextGivesACorpusInTheRequestedMode()
    {
        var corpus = Assert.IsType<TextCorpus>(DatasetParser.Parse(TaskKind.CharLm, "text", "anna\r\nbob\r\n", lineMode: true));
        Assert.Equal("anna\nbob\n", corpus.Text);
        Assert.True(corpus.LineMode);
    }

    [Fact]
    public void EmptyTextIsAFormatError()
    {
        Assert.Throws<FormatException>(() => DatasetParser.Parse(TaskKind.CharLm, "text", " \n\n", lineMode: false));
    }

    [Theory]
    [InlineData(TaskKind.Sentiment, "text")]
    [InlineData(TaskKind.CharLm, "csv")]
    [InlineData(TaskKind.CharLm, "jsonl")]
    [InlineData(TaskKind.Sentiment, "xml")]
    public void AFormatThatDoesNotFitTheTaskIsRejected(TaskKind task, string format)
    {
        var error = Assert.Throws<ArgumentException>(() => DatasetParser.Parse(task, format, "text,label\ngood,1\n", lineMode: false));
        Assert.Equal("format", error.ParamName);
    }
}
