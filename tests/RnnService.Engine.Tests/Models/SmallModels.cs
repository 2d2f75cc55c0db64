using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Models;

/// <summary>Randomly initialised models for inference tests that need no training.</summary>
public static class SmallModels
{
    /// <summary>The alphabet of <see cref="LineCharModel"/>, markers included.</summary>
    public static readonly string[] Letters = ["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c", "d", "e", " "];

    /// <summary>A two-layer line-mode char model over <see cref="Letters"/> (so state has several layers and samples can end).</summary>
    public static CharLanguageModel LineCharModel(Architecture architecture)
    {
        var net = new RecurrentNetwork(architecture, Letters.Length, embeddingSize: 8, hiddenSize: 24, layers: 2, Letters.Length);
        net.Initialize(new Rng(13));
        var config = new ModelConfig
        {
            Task = TaskKind.CharLm, Architecture = architecture, VocabularySize = Letters.Length, EmbeddingSize = 8, HiddenSize = 24,
            Layers = 2, OutputSize = Letters.Length, Vocabulary = Letters,
            Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { EmbeddingSize = 8, HiddenSize = 24, Layers = 2 },
        };
        return (CharLanguageModel)RnnModel.Create(config, net);
    }
}
