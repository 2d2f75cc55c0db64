using System.Text;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>The checkpoint's bytes (what the API stores between epochs and a resumed job reads back): every field survives
/// the round trip, and anything else is an InvalidDataException rather than a half-read checkpoint.</summary>
public class TrainingCheckpointTests
{
    private static readonly TrainingCheckpoint Trained = OneEpoch();

    private static TrainingCheckpoint OneEpoch()
    {
        TrainingCheckpoint? saved = null;
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4 };
        Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, hp, BuiltInDatasets.Load(BuiltInDatasets.ToySentiment),
            new TrainingCallbacks { OnCheckpoint = c => saved = c });
        return saved!;
    }

    private static TrainingCheckpoint Checkpoint(double bestLoss, float[]? bestWeights, IReadOnlyList<float[]> state) => new()
    {
        Epoch = 7, Config = Trained.Config, Weights = [1.5f, -2f, 0.25f], OptimizerSteps = 42, OptimizerState = state,
        RngState = [1, 2, 3, ulong.MaxValue], History = [new EpochMetrics(7, 0.5, 0.75, 0.625, null, null, 1.25)],
        BestLoss = bestLoss, BestWeights = bestWeights, EpochsSinceBest = 3,
    };

    [Fact]
    public void EveryFieldSurvivesTheRoundTripAnEmptyBufferAndTheBestWeightsIncluded()
    {
        var original = Checkpoint(0.375, bestWeights: [9f, 8f], state: [[0.5f, 0.5f, 0.5f], []]);

        var read = TrainingCheckpoint.FromBytes(original.ToBytes());

        Assert.Equal((7, 42L, 0.375, 3), (read.Epoch, read.OptimizerSteps, read.BestLoss, read.EpochsSinceBest));
        Assert.Equal(Trained.Config.ToJson(), read.Config.ToJson());
        Assert.Equal([1.5f, -2f, 0.25f], read.Weights);
        Assert.Equal(2, read.OptimizerState.Count);
        Assert.Equal([0.5f, 0.5f, 0.5f], read.OptimizerState[0]);
        Assert.Empty(read.OptimizerState[1]);
        Assert.Equal([1UL, 2, 3, ulong.MaxValue], read.RngState);
        Assert.Equal(original.History, read.History);
        Assert.Equal([9f, 8f], read.BestWeights!);
    }

    [Fact]
    public void WithoutABestEpochTheLossStaysInfiniteAndNoBestWeightsAreRead()
    {
        var read = TrainingCheckpoint.FromBytes(Checkpoint(double.PositiveInfinity, bestWeights: null, state: []).ToBytes());

        Assert.Equal(double.PositiveInfinity, read.BestLoss);
        Assert.Null(read.BestWeights);
        Assert.Empty(read.OptimizerState);
        Assert.Equal([1.5f, -2f, 0.25f], read.Weights);
    }

    [Fact]
    public void BytesThatDoNotStartWithTheMagicAreNotACheckpoint()
    {
        var bytes = Trained.ToBytes();
        bytes[0] = (byte)'X';

        Assert.Equal("Not a training checkpoint.", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(bytes)).Message);
        Assert.Equal("Not a training checkpoint.", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes("RNN"u8)).Message);
    }

    [Fact]
    public void AnEmptyHeaderIsRefused() =>
        Assert.Equal("Checkpoint header is empty.", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(Bytes("null"))).Message);

    [Fact]
    public void AHeaderThatIsNotJsonIsCorrupt()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(Bytes("{not json")));

        Assert.StartsWith("The checkpoint is corrupt: ", e.Message);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(e.InnerException);
    }

    [Fact]
    public void ACheckpointCutInsideItsHeaderOrABuffersLengthIsCorrupt()
    {
        var inHeader = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(Trained.ToBytes()[..20]));
        var inLength = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(Bytes(BareHeader(), buffer: [2, 0])));

        Assert.StartsWith("The checkpoint is corrupt: ", inHeader.Message);
        Assert.IsType<EndOfStreamException>(inLength.InnerException);
    }

    [Theory]
    [InlineData(-1, 8)]
    [InlineData(3, 8)]      // 12 bytes, where 8 are left
    [InlineData(4, 15)]     // a checkpoint cut inside its last buffer
    public void ABufferLongerThanTheBytesLeftOrNegativeIsOutOfRange(int length, int bytesLeft)
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(Bytes(BareHeader(), length, new byte[bytesLeft])));

        Assert.Equal("Checkpoint buffer length is out of range.", e.Message);
    }

    [Fact]
    public void ABufferThatEndsExactlyAtTheLastByteIsRead() =>
        Assert.Equal([0f, 0f], TrainingCheckpoint.FromBytes(Bytes(BareHeader(), 2, new byte[8])).Weights);

    /// <summary>The magic, a header, then optionally a buffer's length and bytes.</summary>
    private static byte[] Bytes(string header, int? length = null, byte[]? buffer = null)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("RNNCKPT1"u8);
            w.Write(header);
            if (length is { } n) w.Write(n);
            if (buffer is not null) w.Write(buffer);
        }
        return stream.ToArray();
    }

    /// <summary>The header of a checkpoint without optimizer state or best weights: only the weights' buffer follows it.</summary>
    private static string BareHeader()
    {
        var bare = new TrainingCheckpoint
        {
            Epoch = 1, Config = Trained.Config, Weights = [], OptimizerSteps = 0, OptimizerState = [], RngState = [1], History = [],
        };
        using var r = new BinaryReader(new MemoryStream(bare.ToBytes()), Encoding.UTF8);
        r.ReadBytes(8);
        return r.ReadString();
    }
}
