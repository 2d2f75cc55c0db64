using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Models;

public class ModelSizeTests(ITestOutputHelper output)
{
    public static TheoryData<Architecture, TaskKind, int, bool> Shapes()
    {
        var data = new TheoryData<Architecture, TaskKind, int, bool>();
        foreach (var architecture in Enum.GetValues<Architecture>())
            foreach (var task in new[] { TaskKind.Sentiment, TaskKind.CharLm })
                for (int layers = 1; layers <= 3; layers++)
                    foreach (var bidirectional in task == TaskKind.Sentiment ? new[] { false, true } : [false])
                        data.Add(architecture, task, layers, bidirectional);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ParameterEstimateEqualsTheBuiltNetworksCount(Architecture architecture, TaskKind task, int layers, bool bidirectional)
    {
        var hp = Hyperparameters.DefaultsFor(task) with
        {
            EmbeddingSize = 7, HiddenSize = 11, Layers = layers, Dropout = 0.2f, EmbeddingDropout = 0.1f, Pooling = Pooling.Mean,
            WeightDecay = 0.5f, Bidirectional = bidirectional,
        };
        const int vocabulary = 23;
        var config = new ModelConfig
        {
            Task = task, Architecture = architecture, VocabularySize = vocabulary, EmbeddingSize = hp.EmbeddingSize,
            HiddenSize = hp.HiddenSize, Layers = layers, OutputSize = task == TaskKind.Sentiment ? 1 : vocabulary,
            Vocabulary = Enumerable.Range(0, vocabulary).Select(i => $"t{i}").ToList(), Hyperparameters = hp,
        };

        var network = config.CreateNetwork();

        Assert.Equal(network.Parameters.Count, hp.EstimateParameters(task, architecture, vocabulary));
    }

    [Fact]
    public void ParameterEstimateWithoutAVocabularyAssumesTheLargestOne()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { MaxVocabulary = 1000, EmbeddingSize = 10, HiddenSize = 5, Layers = 1 };
        // 1000·10 embedding + 4·5·(10+5) + 2·4·5 LSTM + 5·1 + 1 head
        Assert.Equal(10_000 + 300 + 40 + 6, hp.EstimateParameters(TaskKind.Sentiment, Architecture.Lstm));
    }

    [Fact]
    public void TrainingMemoryGrowsWithBatchSequenceLengthAndHiddenSize()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment);
        long baseline = hp.EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm);
        Assert.True((hp with { BatchSize = 256 }).EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm) > baseline);
        Assert.True((hp with { MaxSequenceLength = 1024 }).EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm) > baseline);
        Assert.True((hp with { HiddenSize = 256 }).EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm) > baseline);
    }

    [Fact]
    public void TheIssuesOversizedSentimentJobNeedsTensOfGigabytes()
    {
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { HiddenSize = 1024, BatchSize = 256, MaxSequenceLength = 4000 };
        long bytes = hp.EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm);
        Assert.InRange(bytes, 20L << 30, 200L << 30);
    }

    [Fact]
    public void TrainingMemoryEstimateIsWithinAFactorOfTwoOfWhatARunAllocates()
    {
        // Every sequence is cut to 64 words so each batch is [8, 64]: the activations the estimate counts dominate.
        var data = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ImdbSentences);
        var longTexts = new SentimentData(data.Train.Select(e => e with { Text = string.Join(' ', Enumerable.Repeat(e.Text, 8)) }).Take(64).ToList());
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
        {
            EmbeddingSize = 64, HiddenSize = 256, BatchSize = 64, MaxSequenceLength = 64, Epochs = 1, ValidationFraction = 0,
        };
        var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, longTexts); // warm up the JIT and caches

        long before = GC.GetAllocatedBytesForCurrentThread();
        result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, longTexts);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long estimate = hp.EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Lstm, result.Model.Config.VocabularySize);
        output.WriteLine($"estimate {estimate:N0} B, allocated {allocated:N0} B, ratio {(double)estimate / allocated:F2}");
        Assert.InRange((double)estimate / allocated, 0.5, 2.0);
    }

    // The multiply-adds per step that inference work budgets count (issue 24).
    [Theory]
    [InlineData(Architecture.Lstm, false)]
    [InlineData(Architecture.Gru, true)]
    [InlineData(Architecture.Rnn, false)]
    public void EveryWeightButTheEmbeddingAndTheBiasesIsOneMultiplyAddPerStep(Architecture architecture, bool bidirectional)
    {
        const int vocabulary = 60, embedding = 32, hidden = 48, layers = 3, output = 60;
        int gates = ModelSize.GatesOf(architecture), directions = bidirectional ? 2 : 1;
        long parameters = ModelSize.Parameters(architecture, vocabulary, embedding, hidden, layers, output, bidirectional);
        long biases = (long)layers * directions * 2 * gates * hidden + output;

        Assert.Equal(parameters - vocabulary * embedding - biases,
            ModelSize.MultiplyAddsPerStep(architecture, embedding, hidden, layers, output, bidirectional));
    }

    [Fact]
    public void AHidden512LstmOverFortyTwoCharactersCostsAboutOnePointTwoMillionPerStep() =>
        // 4 × 512 × (64 + 512) gate projections + 512 × 42 head.
        Assert.Equal(1_201_152, ModelSize.MultiplyAddsPerStep(Architecture.Lstm, 64, 512, 1, 42));
}
