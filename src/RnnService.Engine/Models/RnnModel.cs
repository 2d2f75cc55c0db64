using System.Collections.Concurrent;
using RnnService.Engine.Serialization;

namespace RnnService.Engine.Models;

/// <summary>
/// A trained model: its config and weights. Inference methods of the subclasses are thread-safe:
/// each call borrows a network workspace from a small pool over the shared, read-only weights.
/// </summary>
public abstract class RnnModel
{
    private readonly RecurrentNetwork _network;
    private readonly ConcurrentBag<RecurrentNetwork> _pool = [];

    protected RnnModel(ModelConfig config, RecurrentNetwork network)
    {
        Config = config;
        _network = network;
        _pool.Add(network.CloneForInference());
    }

    public ModelConfig Config { get; }
    public long ParameterCount => _network.Parameters.Count;

    /// <summary>Multiply-adds of one step through this network (<see cref="ModelSize.MultiplyAddsPerStep"/>).</summary>
    public long MultiplyAddsPerStep => ModelSize.MultiplyAddsPerStep(_network.Architecture, _network.EmbeddingSize, _network.HiddenSize,
        _network.LayerCount, _network.OutputSize, _network.Bidirectional);

    /// <summary>The weights in state_dict order (read-only use).</summary>
    internal RecurrentNetwork Network => _network;

    protected RecurrentNetwork Rent() => _pool.TryTake(out var n) ? n : _network.CloneForInference();

    protected void Return(RecurrentNetwork network)
    {
        if (_pool.Count < Environment.ProcessorCount * 2) _pool.Add(network);
    }

    /// <summary>The model as a safetensors file: PyTorch state_dict names, config JSON in metadata "config".</summary>
    public byte[] ToSafetensors() => ModelSerializer.Write(Config, _network, (this as CharLanguageModel)?.TrainingLines);

    /// <summary>Loads either kind of model; throws InvalidDataException on a malformed or inconsistent file.</summary>
    public static RnnModel FromSafetensors(ReadOnlySpan<byte> file)
    {
        var (config, network) = ModelSerializer.Read(file, out var trainingLines);
        var model = Create(config, network);
        if (model is CharLanguageModel lm) lm.TrainingLines = trainingLines;
        return model;
    }

    internal static RnnModel Create(ModelConfig config, RecurrentNetwork network) => config.Task switch
    {
        TaskKind.Sentiment => new SentimentClassifier(config, network),
        TaskKind.CharLm => new CharLanguageModel(config, network),
        _ => throw new InvalidDataException($"Unknown task {config.Task}."),
    };
}
