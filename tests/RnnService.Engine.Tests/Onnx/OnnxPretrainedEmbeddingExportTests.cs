using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RnnService.Engine.Core;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Tests.Embeddings;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Onnx;

/// <summary>A classifier over a frozen pretrained table exports the table after its own rows, so ids past the vocabulary work.</summary>
public class OnnxPretrainedEmbeddingExportTests
{
    // "film", "with" and "zebras" are outside OnnxTestModels.Words: OnnxTestModels.Texts reads them from the table.
    private static readonly WordVectors Tiny = TinyWordVectors.Create(["film", "good", "with", "zebras"],
        [[12, -40, 7, 100, -3, 55], [-90, 14, 33, -8, 61, 2], [5, 5, -127, 20, 9, -30], [70, -66, 1, -45, 88, 17]],
        [0.011f, 0.02f, 0.007f, 0.015f]);

    private static SentimentClassifier Build(WordVectors table, Architecture architecture, int layers, Pooling pooling, bool bidirectional,
        string? builtInName = null)
    {
        var config = new ModelConfig
        {
            Task = TaskKind.Sentiment, Architecture = architecture, VocabularySize = OnnxTestModels.Words.Length,
            EmbeddingSize = table.Dimensions, HiddenSize = 8, Layers = layers, OutputSize = 1, Vocabulary = OnnxTestModels.Words,
            Hyperparameters = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
            {
                EmbeddingSize = table.Dimensions, HiddenSize = 8, Layers = layers, Pooling = pooling, Bidirectional = bidirectional,
                PretrainedEmbeddings = builtInName,
            },
        };
        var network = config.CreateNetwork();
        if (builtInName is null) network.Embedding.FreezeOver(table);
        network.Initialize(new Rng(5));
        network.Embedding.CopyPretrainedRows(config.Vocabulary);
        foreach (ref float v in network.Parameters.Values.AsSpan(network.FirstTrainable)) v *= 2;
        network.Parameters.MarkChanged();
        return (SentimentClassifier)RnnModel.Create(config, network);
    }

    [Theory]
    [InlineData(Architecture.Lstm, 1, Pooling.Max, false)]
    [InlineData(Architecture.Gru, 2, Pooling.Last, true)]
    [InlineData(Architecture.Rnn, 1, Pooling.Mean, true)]
    public void OnnxRuntimeGivesTheEngineProbabilitiesForWordsReadFromTheTable(Architecture architecture, int layers, Pooling pooling, bool bidirectional)
    {
        var model = Build(Tiny, architecture, layers, pooling, bidirectional);
        var (tokens, _, _) = OnnxTestModels.EncodeTexts(model);
        Assert.Contains(tokens, id => id >= OnnxTestModels.Words.Length);

        OnnxTestModels.AssertClose(model.Classify(OnnxTestModels.Texts).Select(c => c.Probability).ToArray(), OnnxTestModels.OnnxProbabilities(model));
    }

    [Fact]
    public void TheBuiltInGloveTableTravelsAsInt8RowsWithItsWordsAndGivesTheEngineProbabilities()
    {
        var glove = BuiltInWordVectors.Load(BuiltInWordVectors.Glove6B100d);
        var model = Build(glove, Architecture.Lstm, 1, Pooling.Max, bidirectional: false, BuiltInWordVectors.Glove6B100d);

        var onnx = OnnxExporter.Export(model);

        Assert.InRange(onnx.Length, 10_000_000, 12_000_000);   // int8 rows and the words: not float32 rows' 40 MB
        using (var session = new InferenceSession(onnx))
            Assert.Equal(glove.Words, JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap[OnnxNames.PretrainedWordsMetadata]));
        OnnxTestModels.AssertClose(model.Classify(OnnxTestModels.Texts).Select(c => c.Probability).ToArray(), OnnxTestModels.OnnxProbabilities(model));
    }
}
