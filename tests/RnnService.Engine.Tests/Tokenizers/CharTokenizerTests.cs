using RnnService.Engine.Data;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Tokenizers;

public class CharTokenizerTests
{
    [Fact]
    public void HamletRoundTripsThroughEncodeAndDecode()
    {
        string hamlet = ((TextCorpus)BuiltInDatasets.Load("hamlet")).Text;
        var tokenizer = CharTokenizer.Build(hamlet, lineMode: false);

        Assert.False(tokenizer.LineMode);
        Assert.Equal(2 + 40, tokenizer.Count);   // 40 distinct chars, including the em dash
        Assert.Equal(-1, tokenizer.BeginId);
        Assert.Equal(-1, tokenizer.EndId);
        Assert.Equal(hamlet, tokenizer.Decode(tokenizer.Encode(hamlet)));
    }

    [Fact]
    public void VocabularyIsSpecialsThenCharsByOrdinal()
    {
        var tokenizer = CharTokenizer.Build("ba\nA—a", lineMode: false);
        Assert.Equal(["<pad>", "<unk>", "\n", "A", "a", "b", "—"], tokenizer.Vocabulary);
    }

    [Fact]
    public void LineModeAddsBeginAndEndAndLeavesLineBreaksOut()
    {
        var tokenizer = CharTokenizer.Build("bob\r\nann\n\n", lineMode: true);

        Assert.True(tokenizer.LineMode);
        Assert.Equal(["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "n", "o"], tokenizer.Vocabulary);
        Assert.Equal(2, tokenizer.BeginId);
        Assert.Equal(3, tokenizer.EndId);
        Assert.Equal("<bos>", tokenizer.TokenText(2));
        Assert.Equal("o", tokenizer.TokenText(7));
    }

    [Fact]
    public void UnknownCharsEncodeAsUnknownAndDecodeSkipsSpecials()
    {
        var tokenizer = CharTokenizer.Build("ab", lineMode: true);
        Assert.Equal([4, 1, 5], tokenizer.Encode("axb"));
        Assert.Equal("ab", tokenizer.Decode([2, 4, 1, 0, 5, 3]));
    }

    [Fact]
    public void ConstructorInfersLineModeFromTheVocabulary()
    {
        var line = new CharTokenizer(["<pad>", "<unk>", "<bos>", "<eos>", "a"]);
        var continuous = new CharTokenizer(["<pad>", "<unk>", "a"]);
        Assert.True(line.LineMode);
        Assert.False(continuous.LineMode);
        Assert.Equal([4], line.Encode("a"));
        Assert.Equal([2], continuous.Encode("a"));
    }

    [Fact]
    public void ConstructorRejectsMultiCharEntries()
    {
        var error = Assert.Throws<ArgumentException>(() => new CharTokenizer(["<pad>", "<unk>", "<bos>", "ab"]));
        Assert.Equal("vocabulary", error.ParamName);
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        var tokenizer = CharTokenizer.Build("ab", lineMode: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([4]));
    }

    [Fact]
    public void CountLinesCountsWhatSplitLinesGives()
    {
        foreach (var corpus in new[] { "james\r\n\r\n  mary \n", "", "\n \t\n", "a", "a\nb\n\nc" })
            Assert.Equal(CharTokenizer.SplitLines(corpus).Count, CharTokenizer.CountLines(corpus));
        Assert.Equal(2, CharTokenizer.CountLines("james\r\n\r\n  mary \n"));
    }

    [Fact]
    public void SplitLinesTrimsAndDropsEmptyLines()
    {
        Assert.Equal(["james", "mary"], CharTokenizer.SplitLines("james\r\n\r\n  mary \n"));
    }
}
