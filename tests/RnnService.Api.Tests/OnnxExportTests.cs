using System.Net;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RnnService.Engine.Models;
using RnnService.Engine.Onnx;
using RnnService.Engine.Tokenizers;

namespace RnnService.Api.Tests;

public class OnnxExportTests
{
    [Fact]
    public async Task TheOnnxDownloadOfASentimentModelGivesThePredictProbabilitiesInOnnxRuntime()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs: 3, name: "toy model"))).Id())).Id("modelId");

        var response = await client.GetAsync($"/models/{modelId}/onnx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("toy_model-v1.onnx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        await AssertOnnxGivesThePredictProbabilitiesAsync(client, modelId, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(1, "last")]
    [InlineData(2, "max")]
    public async Task TheOnnxDownloadOfABidirectionalSentimentModelGivesThePredictProbabilitiesInOnnxRuntime(int layers, string pooling)
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var job = new
        {
            task = "sentiment", dataset = "toy-sentiment",
            hyperparameters = new { epochs = 3, earlyStoppingPatience = 3, hiddenSize = 16, layers, pooling, bidirectional = true },
        };
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(job)).Id())).Id("modelId");

        var response = await client.GetAsync($"/models/{modelId}/onnx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var onnx = await response.Content.ReadAsByteArrayAsync();
        using (var session = new InferenceSession(onnx))
        {
            var config = ModelConfig.FromJson(session.ModelMetadata.CustomMetadataMap[OnnxNames.ConfigMetadata]);
            Assert.True(config.Hyperparameters.Bidirectional);
            Assert.Equal(pooling, config.Hyperparameters.Pooling.ToString().ToLowerInvariant());
            Assert.Equal(layers, config.Layers);
        }
        await AssertOnnxGivesThePredictProbabilitiesAsync(client, modelId, onnx);
    }

    /// <summary>Texts of different lengths, encoded as a client would, through ONNX Runtime against /predict to 1e-5.</summary>
    private static async Task AssertOnnxGivesThePredictProbabilitiesAsync(HttpClient client, Guid modelId, byte[] onnx)
    {
        string[] texts = ["a wonderful heartfelt film", "boring", "the plot was dull and the acting was terrible", "great", "the director's worst"];
        var predictions = (await (await client.PostJsonAsync("/predict", new { modelId, texts })).OkJsonAsync()).GetProperty("predictions");
        using var session = new InferenceSession(onnx);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        var vocabulary = JsonSerializer.Deserialize<string[]>(metadata[OnnxNames.VocabularyMetadata])!;
        // As a client reads the metadata: the vocabulary's ids, then the pretrained table's words at V + row.
        var ids = vocabulary.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        if (metadata.TryGetValue(OnnxNames.PretrainedWordsMetadata, out var pretrainedWords))
            foreach (var (word, row) in JsonSerializer.Deserialize<string[]>(pretrainedWords)!.Select((w, r) => (w, r)))
                ids.TryAdd(word, vocabulary.Length + row);
        // A word in neither that ends in a clitic reads the word before it (pretrained_words' rule).
        int Id(string word) => ids.TryGetValue(word, out int id) && id > 1 ? id
            : new[] { "'s", "'d", "'ll", "'re", "'ve", "'m" }.FirstOrDefault(c => word.EndsWith(c) && word.Length > c.Length) is { } clitic
                && ids.TryGetValue(word[..^clitic.Length], out int stem) && stem > 1 ? stem : 1;
        // As the service encodes: at most maxSequenceLength words, and a text without words is one <unk>.
        var encoded = texts.Select(t => WordTokenizer.SplitWords(t).Take(256).Select(Id).ToArray() is { Length: > 0 } e ? e : [1]).ToArray();
        int b = texts.Length, steps = encoded.Max(e => e.Length);
        var tokens = new long[b * steps];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < encoded[i].Length; j++) tokens[i * steps + j] = encoded[i][j];
        var lengths = encoded.Select(e => e.Length).ToArray();

        using var tokenValue = OrtValue.CreateTensorValueFromMemory(tokens, [b, steps]);
        using var lengthValue = OrtValue.CreateTensorValueFromMemory(lengths, [b]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [OnnxNames.Tokens] = tokenValue, [OnnxNames.Lengths] = lengthValue },
            [OnnxNames.Probability]);
        var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(b, probabilities.Length);
        for (int i = 0; i < b; i++)
            Assert.True(Math.Abs(predictions[i].GetProperty("probability").GetDouble() - probabilities[i]) <= 1e-5,
                $"Text {i}: /predict {predictions[i].GetProperty("probability").GetDouble()}, ONNX Runtime {probabilities[i]}");
    }

    [Fact]
    public async Task TheOnnxDownloadOfANamesModelGivesThePredictNextCharacterDistribution()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var modelId = (await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Names(epochs: 1))).Id())).Id("modelId");
        const string prompt = "Mar";
        var prediction = (await (await client.PostJsonAsync("/predict", new { modelId, text = prompt })).OkJsonAsync()).GetProperty("predictions")[0];

        using var session = new InferenceSession(await client.GetByteArrayAsync($"/models/{modelId}/onnx"));
        var vocabulary = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap[OnnxNames.VocabularyMetadata])!;
        var tokenizer = new CharTokenizer(vocabulary);
        Assert.True(tokenizer.LineMode);
        long[] context = [tokenizer.BeginId, .. tokenizer.Encode(prompt).Select(id => (long)id)];
        using var tokenValue = OrtValue.CreateTensorValueFromMemory(context, [1, context.Length]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [OnnxNames.Tokens] = tokenValue }, [OnnxNames.Logits]);
        int v = vocabulary.Length;
        var last = outputs[0].GetTensorDataAsSpan<float>().Slice((context.Length - 1) * v, v).ToArray();

        // Softmax over what the model may generate (not <pad>, <unk>, <bos>), as /predict reports it.
        var allowed = Enumerable.Range(0, v).Where(i => i != tokenizer.PadId && i != tokenizer.UnknownId && i != tokenizer.BeginId).ToArray();
        double max = allowed.Max(i => last[i]);
        double sum = allowed.Sum(i => Math.Exp(last[i] - max));
        var nextCharacters = prediction.GetProperty("nextCharacters");
        Assert.Equal(10, nextCharacters.GetArrayLength());
        foreach (var next in nextCharacters.EnumerateArray())
        {
            int id = Array.IndexOf(vocabulary, next.GetProperty("character").GetString());
            double expected = next.GetProperty("probability").GetDouble(), actual = Math.Exp(last[id] - max) / sum;
            Assert.True(Math.Abs(expected - actual) <= 1e-5, $"'{vocabulary[id]}': /predict {expected}, ONNX Runtime {actual}");
        }
    }

    [Fact]
    public async Task TheOnnxDownloadOfAnUnknownModelIsA404Problem()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        var problem = await (await client.GetAsync($"/models/{Guid.NewGuid()}/onnx")).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("No model", problem.GetProperty("detail").GetString());
    }
}
