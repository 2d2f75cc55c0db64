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

    /// <summary>A one-layer word classifier over <see cref="Letters"/> (each letter a word), randomly initialised.</summary>
    public static SentimentClassifier WordClassifier(Architecture architecture, int seed)
    {
        var net = new RecurrentNetwork(architecture, Letters.Length, embeddingSize: 8, hiddenSize: 16, layers: 1, outputSize: 1);
        net.Initialize(new Rng(seed));
        return (SentimentClassifier)RnnModel.Create(WordClassifierConfig(architecture), net);
    }

    /// <summary>The config <see cref="WordClassifier"/> gives its model.</summary>
    public static ModelConfig WordClassifierConfig(Architecture architecture) => new()
    {
        Task = TaskKind.Sentiment, Architecture = architecture, VocabularySize = Letters.Length, EmbeddingSize = 8, HiddenSize = 16,
        Layers = 1, OutputSize = 1, Vocabulary = Letters,
        Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { EmbeddingSize = 8, HiddenSize = 16 },
    };

    /// <summary>A one-layer continuous char model (no line markers) over a, b, c, d, e and space, randomly initialised.</summary>
    public static CharLanguageModel ContinuousCharModel(string? defaultPrompt)
    {
        string[] alphabet = ["<pad>", "<unk>", "a", "b", "c", "d", "e", " "];
        var net = new RecurrentNetwork(Architecture.Lstm, alphabet.Length, embeddingSize: 8, hiddenSize: 16, layers: 1, alphabet.Length);
        net.Initialize(new Rng(17));
        return (CharLanguageModel)RnnModel.Create(new ModelConfig
        {
            Task = TaskKind.CharLm, Architecture = Architecture.Lstm, VocabularySize = alphabet.Length, EmbeddingSize = 8, HiddenSize = 16,
            Layers = 1, OutputSize = alphabet.Length, Vocabulary = alphabet, DefaultPrompt = defaultPrompt,
            Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { EmbeddingSize = 8, HiddenSize = 16, Layers = 1 },
        }, net);
    }
}
