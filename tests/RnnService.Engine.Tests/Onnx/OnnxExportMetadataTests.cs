using System.Text.Json;
using RnnService.Engine.Models;
using RnnService.Engine.Core;
using RnnService.Engine.Onnx;

namespace RnnService.Engine.Tests.Onnx;

public class OnnxExportMetadataTests
{
    [Fact]
    public void ConfigAndVocabularyTravelInMetadataProps()
    {
        var model = OnnxTestModels.Char(Architecture.Gru, layers: 2);

        using var onnx = new OnnxRunner(OnnxExporter.Export(model));

        var metadata = onnx.Metadata.CustomMetadataMap;
        Assert.Equal("charlm", metadata[OnnxNames.TaskMetadata]);
        Assert.Equal(OnnxTestModels.Characters, JsonSerializer.Deserialize<string[]>(metadata[OnnxNames.VocabularyMetadata]));
        var config = ModelConfig.FromJson(metadata[OnnxNames.ConfigMetadata]);
        Assert.Equal(model.Config.ToJson(), config.ToJson());
        Assert.Equal("RnnService", onnx.Metadata.ProducerName);
        Assert.Equal("charlm", onnx.Metadata.GraphName);
    }

    [Fact]
    public void SentimentModelTakesTokensAndLengthsAndGivesAProbability()
    {
        using var onnx = new OnnxRunner(OnnxExporter.Export(OnnxTestModels.Sentiment(Architecture.Lstm, layers: 1)));

        Assert.Equal([OnnxNames.Tokens, OnnxNames.Lengths], onnx.InputNames);
        Assert.Equal([OnnxNames.Probability], onnx.OutputNames);
        Assert.Equal("sentiment", onnx.Metadata.CustomMetadataMap[OnnxNames.TaskMetadata]);
    }

    [Theory]
    [InlineData(Architecture.Lstm, new[] { "initial_h", "initial_c" }, new[] { "logits", "final_h", "final_c" })]
    [InlineData(Architecture.Gru, new[] { "initial_h" }, new[] { "logits", "final_h" })]
    public void CharModelHasOptionalStateInputsAndStateOutputsOnlyForTheStatesItsCellHas(Architecture architecture, string[] states, string[] outputs)
    {
        using var onnx = new OnnxRunner(OnnxExporter.Export(OnnxTestModels.Char(architecture, layers: 1)));

        // Inputs with a default (zeros) are what ONNX Runtime calls overridable initializers.
        Assert.Equal([OnnxNames.Tokens], onnx.InputNames);
        Assert.Equal(states, onnx.OptionalInputNames);
        Assert.Equal(outputs, onnx.OutputNames);
    }

    [Fact]
    public void TheFileDeclaresIrVersion7AndOpset14()
    {
        // ModelProto starts with ir_version (field 1, varint) = 7; opset_import (field 8) holds version (field 2) = 14.
        var bytes = OnnxExporter.Export(OnnxTestModels.Sentiment(Architecture.Rnn, layers: 1));

        Assert.Equal([0x08, 0x07], bytes[..2]);
        byte[] opsetImport = [0x42, 0x02, 0x10, 0x0E];
        Assert.True(bytes.AsSpan().IndexOf(opsetImport) > 0, "opset_import { version: 14 } not found");
    }

    [Theory]
    [InlineData(Pooling.Last)]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.Max)]
    public void BidirectionalModelsAreRefusedWithAReasonWhateverTheirPooling(Pooling pooling)
    {
        var baseline = OnnxTestModels.Sentiment(Architecture.Lstm, layers: 1, pooling: pooling).Config;
        var config = baseline with { Hyperparameters = baseline.Hyperparameters with { Bidirectional = true } };
        var network = config.CreateNetwork();
        network.Initialize(new Rng(3));

        var refused = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(RnnModel.Create(config, network)));

        Assert.Equal(OnnxExporter.Unsupported(config), refused.Message);
        Assert.Contains("Bidirectional", refused.Message);
        Assert.Null(OnnxExporter.Unsupported(baseline));
    }
}
