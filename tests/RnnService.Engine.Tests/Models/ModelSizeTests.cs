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

    // The memory estimate counted by hand from its doc comment, one configuration per branch: G gates, R = B·T rows.
    [Fact]
    public void ABidirectionalLstmClassifiersTrainingBytesAreEveryTensorItsDocCommentNames()
    {
        // LSTM (G 4), vocabulary 10, E 3, H 2, one layer, both directions (input E for each), batch 2 × 3 steps (R 6), SGD.
        const long perDirection = 6 * 3      // saved input X [R, E]
            + 6 * 4 * 2                       // gate pre-activations, then their gradient in their place [R, G·H]
            + (6 + 2) * 2 * 2                 // hidden and cell states, initial ones included [(R + B), H] × 2
            + 6 * 2                           // the cell's cache [R, H]
            + 3 * (3 + 2) * 4 * 2             // packed W_ihᵀ, W_hhᵀ, W_hh and the dWᵀ block, 3 × (E + H) · G·H
            + 3 * 6 * 2;                      // output, its gradient, its dropout mask [R, H]
        const long embedding = 2 * 6 * 3      // output and gradient [R, E]
            + 10 * 4 * 2;                     // the token projection cache: V rows of G·H (16 MiB holds all 10)
        const long parameters = 10 * 3 + 2 * (4 * 2 * (3 + 2) + 2 * 4 * 2) + 2 * 2 * 1 + 1;   // 147
        const long perParameter = 1 + 1 + 1 + 1 + 1 + 1;   // value, gradient, momentum, best weights, checkpoint of value and momentum

        Assert.Equal(147, ModelSize.Parameters(Architecture.Lstm, 10, 3, 2, 1, 1, bidirectional: true));
        Assert.Equal(4 * (2 * perDirection + embedding + parameters * perParameter),
            ModelSize.TrainingBytes(Architecture.Lstm, TaskKind.Sentiment, 10, 3, 2, 1, 1, batch: 2, steps: 3, OptimizerKind.Sgd, bidirectional: true));
    }

    [Fact]
    public void ATwoLayerGruLanguageModelsTrainingBytesAreEveryTensorItsDocCommentNamesWithAdamsTwoStates()
    {
        // GRU (G 3), vocabulary and output 5, E 3, H 2, two layers (inputs E, then H), batch 1 × 4 steps (R 4), Adam.
        static long Layer(long input) => 4 * input   // X [R, I]
            + 4 * 3 * 2                              // gate pre-activations, then their gradient in their place [R, G·H]
            + 2 * 4 * 3 * 2                          // the GRU's separate hidden projection and its gradient [R, G·H]
            + (4 + 1) * 2                            // hidden states, the initial one included [(R + B), H]
            + 4 * 2                                  // cache [R, H]
            + 3 * (input + 2) * 3 * 2                // packed weights and the dWᵀ block
            + 3 * 4 * 2;                             // output, its gradient, dropout mask [R, H]
        const long embedding = 2 * 4 * 3 + 5 * 3 * 2;   // output and gradient [R, E], the token projection cache [V, G·H]
        const long head = 2 * 4 * 5 + 4 * 2;         // logits and their gradient [R, V], the top layer's output gradient [R, H]
        const long parameters = 5 * 3 + (3 * 2 * (3 + 2) + 2 * 3 * 2) + (3 * 2 * (2 + 2) + 2 * 3 * 2) + 2 * 5 + 5;   // 108
        const long perParameter = 1 + 1 + 2 + 1 + 1 + 2;   // value, gradient, Adam's m and v, best weights, checkpoint of value, m and v

        Assert.Equal(108, ModelSize.Parameters(Architecture.Gru, 5, 3, 2, 2, 5));
        Assert.Equal(4 * (Layer(3) + Layer(2) + embedding + head + parameters * perParameter),
            ModelSize.TrainingBytes(Architecture.Gru, TaskKind.CharLm, 5, 3, 2, 2, 5, batch: 1, steps: 4, OptimizerKind.Adam));
    }

    [Fact]
    public void ATanhRnnKeepsOneStatePerRowAndAnOptimizerStateOfOneForSgd()
    {
        // Against the LSTM's two: one more batch row adds (T + 1)·H states for the RNN (R grows by T, plus one initial state).
        long Bytes(Architecture a, int batch, OptimizerKind o) => ModelSize.TrainingBytes(a, TaskKind.Sentiment, 10, 3, 2, 1, 1, batch, steps: 3, o);
        long parameters = ModelSize.Parameters(Architecture.Rnn, 10, 3, 2, 1, 1);

        Assert.Equal(4 * 2 * parameters, Bytes(Architecture.Rnn, 2, OptimizerKind.Adam) - Bytes(Architecture.Rnn, 2, OptimizerKind.Sgd));
        long perRow = 3 * 3 + 3 * 1 * 2 + (3 + 1) * 2 + 3 * 2 + 3 * 3 * 2 + 2 * 3 * 3;   // X, gates (their gradient in their place), states, cache, outputs, embedding
        Assert.Equal(4 * perRow, Bytes(Architecture.Rnn, 3, OptimizerKind.Sgd) - Bytes(Architecture.Rnn, 2, OptimizerKind.Sgd));
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
