using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>What the API reads from a job's settings before it runs (parameters, memory, work), with the counts worked
/// out by hand from ModelSize's formulas.</summary>
public class HyperparameterEstimateTests
{
    private static readonly Hyperparameters Small = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
    {
        EmbeddingSize = 8, HiddenSize = 16, Layers = 1, MaxVocabulary = 100, ValidationFraction = 0.5f, Epochs = 10,
        BatchSize = 8, SequenceLength = 30, MaxSequenceLength = 20,
    };

    [Fact]
    public void WithoutAVocabularyTheParameterCountAssumesMaxVocabularyWordsOr256Characters()
    {
        // LSTM classifier: embedding 100·8, gates 4·16·(8 + 16) + two biases 2·4·16, head 16·1 + 1.
        Assert.Equal(800 + 1536 + 128 + 17, Small.EstimateParameters(TaskKind.Sentiment, Architecture.Lstm));
        Assert.Equal(400 + 1536 + 128 + 17, Small.EstimateParameters(TaskKind.Sentiment, Architecture.Lstm, vocabularySize: 50));
        // GRU char model: embedding 256·8, gates 3·16·24 + 2·3·16, head 16·256 + 256 over the whole alphabet.
        Assert.Equal(2048 + 1152 + 96 + 4352, Small.EstimateParameters(TaskKind.CharLm, Architecture.Gru));
    }

    [Fact]
    public void TheLeastWorkIsThreeProjectionsPerTrainingStepOverEveryEpoch()
    {
        // One LSTM step projects 4·16·(8 + 16) = 1,536 multiply-adds; 500 of 1,000 texts train, 10 epochs, 3 passes each.
        Assert.Equal(3.0 * 1536 * 500 * 10, Small.MinimumTrainingMultiplyAdds(Architecture.Lstm, new DataShape(1000, Continuous: false)));
    }

    [Theory]
    [InlineData(8, 64)]     // validation batches are at least 64 rows
    [InlineData(100, 100)]
    public void TheMemoryEstimateIsForTheLargestBatchOverTheLongestSequenceOfTheTask(int batchSize, int largestBatch)
    {
        var hp = Small with { BatchSize = batchSize };

        Assert.Equal(ModelSize.TrainingBytes(Architecture.Gru, TaskKind.Sentiment, 100, 8, 16, 1, 1, largestBatch, steps: 20, OptimizerKind.Adam),
            hp.EstimateTrainingMemoryBytes(TaskKind.Sentiment, Architecture.Gru));
        Assert.Equal(ModelSize.TrainingBytes(Architecture.Gru, TaskKind.CharLm, 40, 8, 16, 1, 40, largestBatch, steps: 30, OptimizerKind.Adam),
            hp.EstimateTrainingMemoryBytes(TaskKind.CharLm, Architecture.Gru, vocabularySize: 40));
    }

    [Fact]
    public void TheValidationSplitIsSeededDisjointAndInOrder()
    {
        var (train, validation) = Small.ValidationSplit(10);

        Assert.Equal(5, validation.Length);
        Assert.Equal(Enumerable.Range(0, 10), train.Concat(validation).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(validation.Order(), validation);
        Assert.Equal(validation, Small.ValidationSplit(10).Validation);
        Assert.NotEqual(validation, (Small with { Seed = Small.Seed + 1 }).ValidationSplit(10).Validation);
    }
}
