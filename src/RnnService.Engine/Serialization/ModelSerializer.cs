using RnnService.Engine.Models;

namespace RnnService.Engine.Serialization;

/// <summary>
/// Model ⇄ safetensors. Tensors carry PyTorch state_dict names and shapes (embedding.weight [V, E],
/// rnn.weight_ih_l0 [G·H, E], ..., head.weight [O, H], head.bias [O]), so the file loads with
/// safetensors.torch.load_file into nn.Embedding + nn.LSTM/GRU/RNN(batch_first=True) + nn.Linear.
/// </summary>
public static class ModelSerializer
{
    public const string ConfigKey = "config";

    public static byte[] Write(ModelConfig config, RecurrentNetwork network, Sampling.TrainingLineSet? trainingLines = null)
    {
        var p = network.Parameters;
        var tensors = p.Slices.Select(s => new SafeTensors.Tensor(s.Name, s.Shape, p.Value(s).ToArray())).ToList();
        var metadata = new Dictionary<string, string> { [ConfigKey] = config.ToJson(), ["format"] = "pt" };
        if (trainingLines is not null) metadata[Sampling.TrainingLineSet.MetadataKey] = trainingLines.ToBase64();
        return SafeTensors.Write(tensors, metadata);
    }

    public static (ModelConfig Config, RecurrentNetwork Network) Read(ReadOnlySpan<byte> file) => Read(file, out _);

    /// <summary>The file as it may leave the service: without the training lines' hashes, which would let anyone with a
    /// candidate line (a name, say) test whether the model was trained on it. The tensors are unchanged.</summary>
    public static byte[] ForExport(ReadOnlySpan<byte> file)
    {
        var (tensors, metadata) = SafeTensors.Read(file);
        if (!metadata.ContainsKey(Sampling.TrainingLineSet.MetadataKey)) return file.ToArray();
        return SafeTensors.Write(tensors, metadata.Where(m => m.Key != Sampling.TrainingLineSet.MetadataKey).ToDictionary());
    }

    /// <summary>Also gives the training lines of a line-mode char model; null for files saved without them.</summary>
    public static (ModelConfig Config, RecurrentNetwork Network) Read(ReadOnlySpan<byte> file, out Sampling.TrainingLineSet? trainingLines)
    {
        var (tensors, metadata) = SafeTensors.Read(file);
        if (!metadata.TryGetValue(ConfigKey, out var json))
            throw new InvalidDataException("The safetensors metadata has no \"config\" entry.");
        ModelConfig config;
        try { config = ModelConfig.FromJson(json); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"The model config is not valid: {e.Message}", e); }
        if (config.Vocabulary.Count != config.VocabularySize)
            throw new InvalidDataException("The config's vocabulary does not match its vocabulary size.");
        RecurrentNetwork network;
        try { network = config.CreateNetwork(); }
        catch (ArgumentException e) { throw new InvalidDataException($"The model config is not valid: {e.Message}", e); }
        var p = network.Parameters;
        var byName = tensors.ToDictionary(t => t.Name);
        foreach (var slice in p.Slices)
        {
            if (!byName.TryGetValue(slice.Name, out var t))
                throw new InvalidDataException($"Tensor \"{slice.Name}\" is missing.");
            if (!t.Shape.SequenceEqual(slice.Shape))
                throw new InvalidDataException($"Tensor \"{slice.Name}\" has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", slice.Shape)}].");
            t.Data.CopyTo(p.Value(slice));
        }
        if (tensors.Count != p.Slices.Count)
            throw new InvalidDataException("The file holds tensors the model does not have.");
        p.MarkChanged();
        trainingLines = metadata.TryGetValue(Sampling.TrainingLineSet.MetadataKey, out var lines) ? Sampling.TrainingLineSet.FromBase64(lines) : null;
        return (config, network);
    }
}
