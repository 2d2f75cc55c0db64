using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Serialization;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Serialization;

public class ModelSerializerTests
{
    [Fact]
    public void SentimentModelRoundTripGivesIdenticalPredictions()
    {
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, Architecture.Gru,
            Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 5, Layers = 2 }, data).Model;
        var bytes = model.ToSafetensors();
        var loaded = Assert.IsType<SentimentClassifier>(RnnModel.FromSafetensors(bytes));
        var texts = data.Test!.Select(e => e.Text).Append("wonderful unknown words").ToList();
        Assert.Equal(model.Classify(texts), loaded.Classify(texts), new ClassificationComparer());
        Assert.Equal(bytes, loaded.ToSafetensors());
        Assert.Equal(model.Config.ToJson(), loaded.Config.ToJson());
    }

    [Fact]
    public void CharModelRoundTripGivesIdenticalSamplesAndPerplexity()
    {
        var corpus = new TextCorpus("anna\nbob\ncarl\ndora\nemil\nfrida\n", LineMode: true);
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm,
            Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 3, HiddenSize = 16, ValidationFraction = 0 }, corpus).Model;
        var loaded = Assert.IsType<CharLanguageModel>(RnnModel.FromSafetensors(model.ToSafetensors()));
        var options = new GenerationOptions { Count = 5, Seed = 3 };
        Assert.Equal(model.Generate(options), loaded.Generate(options));
        Assert.Equal(model.Perplexity("anna"), loaded.Perplexity("anna"));
    }

    [Fact]
    public void SafetensorsHeaderHasPyTorchNamesShapesAndTheConfig()
    {
        var model = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm,
            Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1, Layers = 2, HiddenSize = 6, EmbeddingSize = 5 },
            BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)).Model;
        var bytes = model.ToSafetensors();
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        var root = header.RootElement;
        int v = model.Config.VocabularySize;
        var expected = new Dictionary<string, int[]>
        {
            ["embedding.weight"] = [v, 5],
            ["rnn.weight_ih_l0"] = [24, 5], ["rnn.weight_hh_l0"] = [24, 6], ["rnn.bias_ih_l0"] = [24], ["rnn.bias_hh_l0"] = [24],
            ["rnn.weight_ih_l1"] = [24, 6], ["rnn.weight_hh_l1"] = [24, 6], ["rnn.bias_ih_l1"] = [24], ["rnn.bias_hh_l1"] = [24],
            ["head.weight"] = [1, 6], ["head.bias"] = [1],
        };
        foreach (var (name, shape) in expected)
        {
            var entry = root.GetProperty(name);
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            Assert.Equal(shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        }
        Assert.Equal(expected.Count + 1, root.EnumerateObject().Count());
        var config = ModelConfig.FromJson(root.GetProperty("__metadata__").GetProperty("config").GetString()!);
        Assert.Equal(TaskKind.Sentiment, config.Task);
        Assert.Equal(Architecture.Lstm, config.Architecture);
        Assert.Equal("<pad>", config.Vocabulary[0]);
        Assert.Contains("\"task\":\"sentiment\"", root.GetProperty("__metadata__").GetProperty("config").GetString());
        Assert.Equal(8 + headerLength + 4 * model.ParameterCount, bytes.Length);
    }

    [Fact]
    public void FileWithoutConfigIsRejected()
    {
        var bytes = SafeTensors.Write([new SafeTensors.Tensor("a", [1], [1f])], null);
        Assert.Throws<InvalidDataException>(() => RnnModel.FromSafetensors(bytes));
    }

    private sealed class ClassificationComparer : IEqualityComparer<Classification>
    {
        public bool Equals(Classification? x, Classification? y) =>
            x!.Text == y!.Text && x.Label == y.Label && x.Probability == y.Probability && x.UnknownWords.SequenceEqual(y.UnknownWords);
        public int GetHashCode(Classification obj) => obj.Text.GetHashCode();
    }
}
