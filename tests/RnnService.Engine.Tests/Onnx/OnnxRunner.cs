using Microsoft.ML.OnnxRuntime;

namespace RnnService.Engine.Tests.Onnx;

/// <summary>An ONNX Runtime session over an exported model, with small helpers to feed and read tensors.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1 };
    private readonly InferenceSession _session;

    public OnnxRunner(byte[] model) => _session = new InferenceSession(model, _options);

    public ModelMetadata Metadata => _session.ModelMetadata;
    public IReadOnlyList<string> InputNames => _session.InputNames;
    public IReadOnlyList<string> OutputNames => _session.OutputNames;
    /// <summary>Inputs that have a default value in the file (ONNX Runtime's overridable initializers).</summary>
    public IReadOnlyList<string> OptionalInputNames => [.. _session.OverridableInitializerMetadata.Keys];

    public sealed record Output(float[] Data, long[] Shape);

    /// <summary>Runs the model on the given inputs (long[] / int[] / float[] with shapes) and returns every output.</summary>
    public Dictionary<string, Output> Run(params (string Name, Array Data, long[] Shape)[] inputs)
    {
        var values = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var (name, data, shape) in inputs)
                values[name] = data switch
                {
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    int[] i => OrtValue.CreateTensorValueFromMemory(i, shape),
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    _ => throw new ArgumentException($"Unsupported input type {data.GetType()}."),
                };
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, values, _session.OutputNames);
            var result = new Dictionary<string, Output>();
            int k = 0;
            foreach (var value in outputs)
                result[_session.OutputNames[k++]] = new Output(value.GetTensorDataAsSpan<float>().ToArray(), value.GetTensorTypeAndShape().Shape);
            return result;
        }
        finally
        {
            foreach (var value in values.Values) value.Dispose();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
