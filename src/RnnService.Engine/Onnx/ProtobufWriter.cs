using System.Buffers.Binary;
using System.Text;

namespace RnnService.Engine.Onnx;

/// <summary>
/// The few protobuf wire-format encodings an ONNX file needs: varints, length-delimited bytes,
/// strings and nested messages, packed int64s, fixed 32-bit floats. Field numbers come from onnx.proto.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int WireVarint = 0, WireLengthDelimited = 2, WireFixed32 = 5;
    private readonly MemoryStream _stream = new();

    public byte[] ToArray() => _stream.ToArray();

    public void Int64(int field, long value)
    {
        Tag(field, WireVarint);
        Varint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _stream.Write(value);
    }

    /// <summary>A nested message: written into its own buffer first, as its length prefixes it.</summary>
    public void Message(int field, Action<ProtobufWriter> write)
    {
        var inner = new ProtobufWriter();
        write(inner);
        Bytes(field, inner._stream.GetBuffer().AsSpan(0, (int)inner._stream.Length));
    }

    public void PackedInt64(int field, ReadOnlySpan<long> values)
    {
        var inner = new ProtobufWriter();
        foreach (long v in values) inner.Varint((ulong)v);
        Bytes(field, inner._stream.GetBuffer().AsSpan(0, (int)inner._stream.Length));
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}
