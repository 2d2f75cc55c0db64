using RnnService.Engine.Onnx;

namespace RnnService.Engine.Tests.Onnx;

public class ProtobufWriterTests
{
    [Fact]
    public void VarintsUseSevenBitGroupsLowFirstAndNegativeInt64sTakeTenBytes()
    {
        var w = new ProtobufWriter();
        w.Int64(1, 1);
        w.Int64(2, 300);
        w.Int64(3, -1);

        Assert.Equal([
            0x08, 0x01,                    // field 1, varint: 1
            0x10, 0xAC, 0x02,              // field 2, varint: 300 = 0b10_0101100
            0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,   // field 3: -1 as two's complement
        ], w.ToArray());
    }

    [Fact]
    public void StringsFloatsNestedMessagesAndPackedInt64sAreLengthOrFixedSizeFields()
    {
        var w = new ProtobufWriter();
        w.String(1, "ab");
        w.Float(2, 1f);
        w.Message(3, inner => inner.Int64(1, 5));
        w.PackedInt64(4, [1, 300]);
        w.Int64(20, 7);

        Assert.Equal([
            0x0A, 0x02, (byte)'a', (byte)'b',   // field 1, length-delimited, 2 bytes
            0x15, 0x00, 0x00, 0x80, 0x3F,       // field 2, fixed32: 1.0f little-endian
            0x1A, 0x02, 0x08, 0x05,             // field 3: a message holding field 1 = 5
            0x22, 0x03, 0x01, 0xAC, 0x02,       // field 4: packed varints 1, 300
            0xA0, 0x01, 0x07,                   // field 20 needs a two-byte tag
        ], w.ToArray());
    }
}
