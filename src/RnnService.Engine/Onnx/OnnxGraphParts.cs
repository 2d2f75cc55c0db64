using System.Runtime.InteropServices;

namespace RnnService.Engine.Onnx;

/// <summary>TensorProto.DataType values used here.</summary>
internal enum OnnxElementType { Float = 1, Int8 = 3, Int32 = 6, Int64 = 7 }

/// <summary>A dimension of a declared shape: a fixed size, or a named symbol such as "batch".</summary>
internal readonly record struct OnnxDim(long Value, string? Symbol)
{
    public static implicit operator OnnxDim(int value) => new(value, null);
    public static implicit operator OnnxDim(string symbol) => new(0, symbol);
}

/// <summary>A graph input or output: name, element type, shape, and a line saying what it is.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType Type, OnnxDim[] Shape, string Doc);

/// <summary>A constant tensor stored in the file (raw little-endian bytes, row-major).</summary>
internal sealed record OnnxTensor(string Name, OnnxElementType Type, long[] Dims, byte[] RawData)
{
    public static OnnxTensor Floats(string name, long[] dims, ReadOnlySpan<float> values) =>
        new(name, OnnxElementType.Float, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static OnnxTensor Int64s(string name, long[] dims, ReadOnlySpan<long> values) =>
        new(name, OnnxElementType.Int64, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static OnnxTensor Int8s(string name, long[] dims, ReadOnlySpan<sbyte> values) =>
        new(name, OnnxElementType.Int8, dims, MemoryMarshal.AsBytes(values).ToArray());
}

/// <summary>A node attribute: exactly one of Int, Ints, Float or String is set.</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, long[]? Ints = null, float? Float = null, string? String = null);

/// <summary>One operator application; an empty input name leaves an optional input out.</summary>
internal sealed record OnnxNode(string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);
