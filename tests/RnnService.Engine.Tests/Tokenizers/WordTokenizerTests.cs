using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Tests.Tokenizers;

public class WordTokenizerTests
{
    [Fact]
    public void SplitWordsLowercasesAndDropsPunctuation()
    {
        Assert.Equal(["this", "movie", "was", "great", "10", "10"], WordTokenizer.SplitWords("This movie was GREAT!!! 10/10"));
    }

    [Fact]
    public void SplitWordsKeepsApostrophesInsideWordsOnly()
    {
        Assert.Equal(["don't", "tis", "wish'd", "it's"], WordTokenizer.SplitWords("Don't 'tis wish'd, it’s'"));
    }

    [Fact]
    public void SplitWordsOfBlankTextIsEmpty()
    {
        Assert.Empty(WordTokenizer.SplitWords("  ...  \n"));
    }

    [Fact]
    public void BuildOrdersWordsByFrequencyThenFirstAppearance()
    {
        var tokenizer = WordTokenizer.Build(["not good", "very bad", "not bad", "bad"]);
        Assert.Equal(["<pad>", "<unk>", "bad", "not", "good", "very"], tokenizer.Vocabulary);
        Assert.Equal(6, tokenizer.Count);
        Assert.Equal(0, tokenizer.PadId);
        Assert.Equal(1, tokenizer.UnknownId);
    }

    [Fact]
    public void BuildCapsTheVocabularyIncludingSpecials()
    {
        var tokenizer = WordTokenizer.Build(["a a a b b c d"], maxVocabulary: 4);
        Assert.Equal(["<pad>", "<unk>", "a", "b"], tokenizer.Vocabulary);
    }

    [Fact]
    public void BuildRejectsAVocabularyTooSmallForOneWord()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.Build(["a"], maxVocabulary: 2));
        Assert.Equal("maxVocabulary", error.ParamName);
    }

    [Fact]
    public void EncodeMapsWordsAndReportsUnknownOnes()
    {
        var tokenizer = WordTokenizer.Build(["good bad", "not good"]);
        var unknown = new List<string>();
        int[] ids = tokenizer.Encode("Not so GOOD, really", 10, unknown);
        Assert.Equal([4, 1, 2, 1], ids);
        Assert.Equal(["so", "really"], unknown);
    }

    [Fact]
    public void EncodeTruncatesToTheFirstTokens()
    {
        var tokenizer = WordTokenizer.Build(["one two three four"]);
        Assert.Equal([2, 3], tokenizer.Encode("one two three four", 2));
    }

    [Fact]
    public void EncodeOfEmptyTextIsEmpty()
    {
        Assert.Empty(WordTokenizer.Build(["word"]).Encode("", 5));
    }

    [Fact]
    public void ConstructorRebuildsTheSameMapping()
    {
        var built = WordTokenizer.Build(["the cat sat on the mat"]);
        var rebuilt = new WordTokenizer(built.Vocabulary.ToList());
        Assert.Equal(built.Vocabulary, rebuilt.Vocabulary);
        Assert.Equal(built.Encode("the mat and the cat", 10), rebuilt.Encode("the mat and the cat", 10));
    }

    [Fact]
    public void ConstructorRejectsMisplacedSpecials()
    {
        var error = Assert.Throws<ArgumentException>(() => new WordTokenizer(["<unk>", "<pad>", "word"]));
        Assert.Equal("vocabulary", error.ParamName);
    }

    [Fact]
    public void ConstructorRejectsDuplicates()
    {
        Assert.Throws<ArgumentException>(() => new WordTokenizer(["<pad>", "<unk>", "word", "word"]));
    }

    [Fact]
    public void WithPretrainedVectorsAWordOutsideTheVocabularyReadsItsTableRowAfterTheVocabulary()
    {
        var vectors = Tests.Embeddings.TinyWordVectors.Create(["great", "good", "awful"],
            [[1, 0], [0, 1], [-1, 0]], [1f, 1f, 1f]);
        var tokenizer = new WordTokenizer(["<pad>", "<unk>", "good"], vectors);
        var unknown = new List<string>();

        var ids = tokenizer.Encode("Good great film, awful", 10, unknown);

        Assert.Equal([2, 3 + 0, 1, 3 + 2], ids);
        Assert.Equal(["film"], unknown);
    }
}
