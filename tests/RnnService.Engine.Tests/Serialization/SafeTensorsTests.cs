using System.Buffers.Binary;
using System.Text;
using RnnService.Engine.Serialization;
using Tensor = RnnService.Engine.Serialization.SafeTensors.Tensor;

namespace RnnService.Engine.Tests.Serialization;

public class SafeTensorsTests
{
    [Fact]
    public void OneTensorFileHasTheExactHeaderPaddingAndData()
    {
        byte[] file = SafeTensors.Write([new Tensor("a", [2], [1f, -2f])], metadata: null);

        const string json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        Assert.Equal(54, json.Length);
        Assert.Equal(56ul, BinaryPrimitives.ReadUInt64LittleEndian(file));   // padded to a multiple of 8
        Assert.Equal(json + "  ", Encoding.UTF8.GetString(file, 8, 56));
        Assert.Equal(8 + 56 + 8, file.Length);
        Assert.Equal([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0], file[64..]);
    }

    [Fact]
    public void MetadataIsWrittenFirstInTheHeader()
    {
        byte[] file = SafeTensors.Write([new Tensor("w", [1], [0f])], new Dictionary<string, string> { ["format"] = "pt" });
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0, length % 8);
        Assert.Equal(
            """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            Encoding.UTF8.GetString(file, 8, length).TrimEnd(' '));
    }

    [Fact]
    public void RoundTripIsBitExact()
    {
        float[] weights = [0f, -0f, 1.5f, -3.25e-38f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity];
        Tensor[] tensors =
        [
            new("layer.weight", [2, 4], weights),
            new("scalar", [], [42f]),
            new("empty", [0, 3], []),
            new("bias", [3], [0.1f, 0.2f, 0.3f]),
        ];
        var metadata = new Dictionary<string, string> { ["model"] = "lstm", ["note"] = "é \"quoted\" <tag>" };

        var (read, readMetadata) = SafeTensors.Read(SafeTensors.Write(tensors, metadata));

        Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
        for (int i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].Shape, read[i].Shape);
            Assert.Equal(tensors[i].Data.Select(BitConverter.SingleToInt32Bits), read[i].Data.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(metadata, readMetadata);
    }

    [Fact]
    public void ReadReturnsTensorsInDataOrderNotHeaderOrder()
    {
        byte[] file = FileWith("""{"second":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8);
        var (tensors, metadata) = SafeTensors.Read(file);
        Assert.Equal(["first", "second"], tensors.Select(t => t.Name));
        Assert.Empty(metadata);
    }

    [Fact]
    public void WriteRejectsShapeAndDataMismatch()
    {
        var error = Assert.Throws<ArgumentException>(() => SafeTensors.Write([new Tensor("a", [2, 2], [1f])], null));
        Assert.Equal("tensors", error.ParamName);
    }

    [Fact]
    public void WriteRejectsDuplicateNames()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Write([new Tensor("a", [1], [1f]), new Tensor("a", [1], [2f])], null));
    }

    [Fact]
    public void ReadRejectsAFileShorterThanTheLengthPrefix()
    {
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new byte[5]));
    }

    [Fact]
    public void ReadRejectsAHeaderLengthBeyondTheFile()
    {
        byte[] file = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 100);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void ReadRejectsTruncatedData()
    {
        byte[] file = SafeTensors.Write([new Tensor("a", [4], [1f, 2f, 3f, 4f])], null);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file.AsSpan(0, file.Length - 1)));
    }

    [Fact]
    public void ReadRejectsOtherDtypes()
    {
        byte[] file = FileWith("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
        Assert.Contains("F16", error.Message);
    }

    [Fact]
    public void ReadRejectsOverlappingOffsets()
    {
        byte[] file = FileWith("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
        Assert.Contains("overlap", error.Message);
    }

    [Fact]
    public void ReadRejectsOffsetsPastTheData()
    {
        byte[] file = FileWith("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
    }

    [Fact]
    public void ReadRejectsAGapBetweenTensors()
    {
        byte[] file = FileWith("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
    }

    [Fact]
    public void ReadRejectsShapeAndByteSizeMismatch()
    {
        byte[] file = FileWith("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(file));
        Assert.Contains("needs 12 bytes", error.Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    public void ReadRejectsMalformedHeaders(string header)
    {
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(FileWith(header, 4)));
    }

    private static byte[] FileWith(string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }
}
