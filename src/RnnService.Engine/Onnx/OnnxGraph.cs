namespace RnnService.Engine.Onnx;

/// <summary>
/// A computation graph being assembled: nodes in topological order (the order they are added),
/// constant tensors, and the declared inputs and outputs.
/// </summary>
internal sealed class OnnxGraph
{
    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];

    /// <summary>Adds a node and returns its first output's name.</summary>
    public string Add(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        Nodes.Add(new OnnxNode(opType, inputs, outputs, attributes));
        return outputs[0];
    }

    public string Add(string opType, string[] inputs, string output, params OnnxAttribute[] attributes) =>
        Add(opType, inputs, [output], attributes);

    public string Constant(OnnxTensor tensor)
    {
        Initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A 1-D int64 constant (axes, shapes, indices).</summary>
    public string Int64s(string name, params long[] values) => Constant(OnnxTensor.Int64s(name, [values.Length], values));

    /// <summary>A scalar (0-D) int64 constant, as Range and a scalar Gather index take.</summary>
    public string Int64Scalar(string name, long value) => Constant(OnnxTensor.Int64s(name, [], [value]));

    /// <summary>A scalar (0-D) float constant, broadcast by elementwise ops.</summary>
    public string FloatScalar(string name, float value) => Constant(OnnxTensor.Floats(name, [], [value]));
}
