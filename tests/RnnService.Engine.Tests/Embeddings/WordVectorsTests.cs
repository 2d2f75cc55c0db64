using RnnService.Engine.Embeddings;

namespace RnnService.Engine.Tests.Embeddings;

public class WordVectorsTests
{
    private static readonly WordVectors Glove = BuiltInWordVectors.Load(BuiltInWordVectors.Glove6B100d);

    [Fact]
    public void TheBuiltInTableHoldsGlovesMostFrequentWordsInOneHundredDimensions()
    {
        Assert.Equal(100, Glove.Dimensions);
        Assert.Equal(BuiltInWordVectors.DimensionsOf(BuiltInWordVectors.Glove6B100d), Glove.Dimensions);
        Assert.InRange(Glove.Count, 100_000, 100_100);
        Assert.Equal("the", Glove.Words[0]);
        Assert.True(Glove.RowOf("mediocre") > 0);
    }

    [Fact]
    public void ARowReadsGlovesOwnValuesWithinItsInt8Rounding()
    {
        // glove.6B.100d.txt, first line: "the -0.038194 -0.24487 0.72812 -0.39961 0.083172 ...". A row is rounded to
        // 127 steps of its largest |value|, so each value is within half a step.
        var row = new float[100];
        Glove.CopyRow(Glove.RowOf("the"), row);
        float halfStep = HalfStep(row);
        Assert.InRange(halfStep, 0.001f, 0.02f);
        float[] expected = [-0.038194f, -0.24487f, 0.72812f, -0.39961f, 0.083172f];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], row[i], halfStep);
    }

    [Fact]
    public void AWordWithACliticReadsTheWordBeforeIt()
    {
        Assert.Equal(Glove.RowOf("director"), Glove.RowOf("director's"));
        Assert.Equal(Glove.RowOf("we"), Glove.RowOf("we'll"));
        Assert.Equal(-1, Glove.RowOf("zzqxv's"));
        Assert.Equal(-1, Glove.RowOf("zzqxv"));
    }

    [Fact]
    public void ANegatedContractionHasTheMeanOfItsVerbAndNot()
    {
        var didnt = new float[100];
        var did = new float[100];
        var not = new float[100];
        Glove.CopyRow(Glove.RowOf("didn't"), didnt);
        Glove.CopyRow(Glove.RowOf("did"), did);
        Glove.CopyRow(Glove.RowOf("not"), not);
        float tolerance = HalfStep(didnt) + (HalfStep(did) + HalfStep(not)) / 2;
        for (int i = 0; i < 100; i++) Assert.Equal((did[i] + not[i]) / 2, didnt[i], tolerance);
    }

    private static float HalfStep(float[] row) => row.Max(Math.Abs) / 127 / 2 * 1.001f;

    [Fact]
    public void TheEmbeddedFileIsTheOneItsNameStandsFor()
    {
        // Stored models read rows by index: a regenerated table must get a new name, not replace this one.
        using var stream = BuiltInWordVectors.OpenResource(BuiltInWordVectors.Glove6B100d);
        Assert.Equal(BuiltInWordVectors.Glove6B100dSha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
    }

    [Fact]
    public void AnUnknownNameIsRefusedAndNamesTheKnownOne()
    {
        Assert.False(BuiltInWordVectors.Exists("word2vec"));
        var ex = Assert.Throws<ArgumentException>(() => BuiltInWordVectors.Load("word2vec"));
        Assert.Contains(BuiltInWordVectors.Glove6B100d, ex.Message);
    }

    [Fact]
    public void AMalformedTableIsInvalidData()
    {
        using var stream = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write("NOTATABLE-----"u8);
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => WordVectors.Read("bad", stream));
    }
}
