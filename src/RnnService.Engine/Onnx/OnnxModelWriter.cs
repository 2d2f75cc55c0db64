namespace RnnService.Engine.Onnx;

/// <summary>
/// Encodes a graph as an ONNX ModelProto (field numbers from onnx.proto). Weights go in raw_data,
/// little-endian, as the spec requires.
/// </summary>
internal static class OnnxModelWriter
{
    /// <summary>IR version 7 is the one that goes with opset 14 (ONNX 1.9).</summary>
    public const long IrVersion = 7;
    public const long OpsetVersion = 14;

    public static byte[] Write(OnnxGraph graph, string graphName, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian.");
        var model = new ProtobufWriter();
        model.Int64(1, IrVersion);                                   // ir_version
        model.String(2, "RnnService");                               // producer_name
        model.String(3, typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "0"); // producer_version
        model.String(6, docString);                                  // doc_string
        model.Message(7, g => WriteGraph(g, graph, graphName));      // graph
        model.Message(8, o => o.Int64(2, OpsetVersion));             // opset_import: default domain, version
        foreach (var (key, value) in metadata)                       // metadata_props
            model.Message(14, e => { e.String(1, key); e.String(2, value); });
        return model.ToArray();
    }

    private static void WriteGraph(ProtobufWriter g, OnnxGraph graph, string name)
    {
        foreach (var node in graph.Nodes) g.Message(1, n => WriteNode(n, node));
        g.String(2, name);
        foreach (var tensor in graph.Initializers) g.Message(5, t => WriteTensor(t, tensor));
        foreach (var input in graph.Inputs) g.Message(11, v => WriteValueInfo(v, input));
        foreach (var output in graph.Outputs) g.Message(12, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtobufWriter n, OnnxNode node)
    {
        foreach (var input in node.Inputs) n.String(1, input);
        foreach (var output in node.Outputs) n.String(2, output);
        n.String(3, node.Outputs[0]);  // name: unique because output names are
        n.String(4, node.OpType);
        foreach (var attribute in node.Attributes) n.Message(5, a => WriteAttribute(a, attribute));
    }

    private static void WriteAttribute(ProtobufWriter a, OnnxAttribute attribute)
    {
        // AttributeProto.type: FLOAT = 1, INT = 2, STRING = 3, INTS = 7.
        a.String(1, attribute.Name);
        if (attribute.Float is { } f) { a.Float(2, f); a.Int64(20, 1); }
        else if (attribute.Int is { } i) { a.Int64(3, i); a.Int64(20, 2); }
        else if (attribute.String is { } text) { a.String(4, text); a.Int64(20, 3); }
        else if (attribute.Ints is { } ints) { a.PackedInt64(8, ints); a.Int64(20, 7); }
        else throw new ArgumentException($"Attribute {attribute.Name} has no value.", nameof(attribute));
    }

    private static void WriteTensor(ProtobufWriter t, OnnxTensor tensor)
    {
        t.PackedInt64(1, tensor.Dims);         // dims
        t.Int64(2, (long)tensor.Type);         // data_type
        t.String(8, tensor.Name);              // name
        t.Bytes(9, tensor.RawData);            // raw_data
    }

    private static void WriteValueInfo(ProtobufWriter v, OnnxValueInfo info)
    {
        v.String(1, info.Name);
        v.Message(2, type => type.Message(1, tensor =>           // TypeProto.tensor_type
        {
            tensor.Int64(1, (long)info.Type);                    // elem_type
            tensor.Message(2, shape =>                           // TensorShapeProto
            {
                foreach (var dim in info.Shape)
                    shape.Message(1, d => { if (dim.Symbol is { } s) d.String(2, s); else d.Int64(1, dim.Value); });
            });
        }));
        v.String(3, info.Doc);
    }
}
