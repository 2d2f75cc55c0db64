using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using Xunit.Abstractions;

namespace RnnService.Engine.Tests.Training;

/// <summary>
/// Each task's epoch metrics against the model's own inference: a fine-tune at a learning rate of 1e-30 leaves every
/// weight as the base has it, so its first epoch's training loss and accuracy are the base model's over every training
/// example (in uneven batches, streams or windows), and its validation figures the base model's over the held-out ones.
/// </summary>
public class TaskEpochMetricsTests(ITestOutputHelper output)
{
    private static Hyperparameters Frozen(Hyperparameters hp) =>
        hp with { Epochs = 1, LearningRate = 1e-30f, Optimizer = OptimizerKind.Sgd, Momentum = 0, EarlyStoppingPatience = 0 };

    [Fact]
    public void ASentimentEpochIsTheMeanLossAndAccuracyOverEveryTextInUnevenBatches()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 2, HiddenSize = 8, EmbeddingSize = 8, EarlyStoppingPatience = 0 };
        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, toy).Model;

        // 58 training texts in batches of 7 (the last of 2); 128 test texts in exactly two evaluation batches of 64.
        var data = new SentimentData(toy.Train, [.. toy.Test!.Take(12), .. toy.Train, .. toy.Train]);

        var epoch = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Frozen(hp) with { BatchSize = 7 }, data, initFrom: model).History[0];

        var (trainLoss, trainAccuracy) = Score(model, data.Train);
        var (testLoss, testAccuracy) = Score(model, data.Test!);
        output.WriteLine($"train: loss {trainLoss}, accuracy {trainAccuracy}; test: loss {testLoss}, accuracy {testAccuracy}");
        Assert.Equal((58, 128), (data.Train.Count, data.Test!.Count));
        Assert.InRange(trainAccuracy, 0.05, 0.95); // some right and some wrong: a count of either alone would show
        Assert.Equal(trainLoss, epoch.TrainLoss, 5);
        Assert.Equal(trainAccuracy, epoch.TrainAccuracy!.Value, 12);
        Assert.Equal(testLoss, epoch.ValidationLoss!.Value, 5);
        Assert.Equal(testAccuracy, epoch.ValidationAccuracy!.Value, 12);
    }

    /// <summary>The weights of a fine-tune with <paramref name="seed"/>: every run starts from <paramref name="model"/>'s
    /// weights, so without dropout or a split the seed only orders the batches.</summary>
    private static float[] FineTuned(TaskKind task, Hyperparameters hp, TrainingData data, RnnModel model, int seed) =>
        Trainer.Train(task, Architecture.Rnn, hp with { Seed = seed }, data, initFrom: model).Model.Network.Parameters.Values.ToArray();

    [Fact]
    public void ASentimentEpochVisitsTheTextsInAnOrderTheSeedSets()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4, BatchSize = 4, Dropout = 0 };
        var model = Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, hp, toy).Model;

        Assert.Equal(FineTuned(TaskKind.Sentiment, hp, toy, model, 1), FineTuned(TaskKind.Sentiment, hp, toy, model, 1));
        Assert.NotEqual(FineTuned(TaskKind.Sentiment, hp, toy, model, 1), FineTuned(TaskKind.Sentiment, hp, toy, model, 2));
    }

    [Fact]
    public void ALineModelsEpochVisitsItsLinesInAnOrderTheSeedSets()
    {
        var corpus = new TextCorpus("ann\nbob\ncarol\ndee\neve\nfay\ngus\nhal", LineMode: true);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            Epochs = 1, HiddenSize = 4, EmbeddingSize = 4, SequenceLength = 4, BatchSize = 2, ValidationFraction = 0, Dropout = 0, EarlyStoppingPatience = 0,
        };
        var model = Trainer.Train(TaskKind.CharLm, Architecture.Rnn, hp, corpus).Model;

        Assert.Equal(FineTuned(TaskKind.CharLm, hp, corpus, model, 1), FineTuned(TaskKind.CharLm, hp, corpus, model, 1));
        Assert.NotEqual(FineTuned(TaskKind.CharLm, hp, corpus, model, 1), FineTuned(TaskKind.CharLm, hp, corpus, model, 2));
    }

    [Fact]
    public void ASentimentModelWithAnEmptyTestSetValidatesOnASplitOfItsTrainingTexts()
    {
        var toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
        var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { Epochs = 1, HiddenSize = 4, EmbeddingSize = 4, ValidationFraction = 0.25f };

        var history = Trainer.Train(TaskKind.Sentiment, Architecture.Rnn, hp, new SentimentData(toy.Train, [])).History;

        Assert.NotNull(history[0].ValidationLoss);
    }

    [Fact]
    public void ALineModelsEpochIsTheMeanLossPerCharacterOfEveryLineCutToTheSequenceLength()
    {
        // Line 3 is exactly SequenceLength (8) long and line 5 longer: both are cut to 7 characters before their end marker.
        string[] lines = ["ann", "bob", "carolina", "dee", "evangeline", "fay", "gus", "hal", "ida", "jo"];
        var corpus = new TextCorpus(string.Join('\n', lines), LineMode: true);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            Epochs = 2, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 3, ValidationFraction = 0.3f, EarlyStoppingPatience = 0,
        };
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Gru, hp, corpus).Model;

        var epoch = Trainer.Train(TaskKind.CharLm, Architecture.Gru, Frozen(hp), corpus, initFrom: model).History[0];

        var cut = lines.Select(l => l.Length < 8 ? l : l[..7]).ToArray();
        var (train, validation) = TrainingTask.Split(lines.Length, hp.ValidationFraction, hp.Seed);
        // A line's perplexity is over its characters and its end marker.
        double Loss(IEnumerable<int> which) =>
            which.Sum(i => Math.Log(model.Perplexity(cut[i])) * (cut[i].Length + 1)) / which.Sum(i => cut[i].Length + 1);
        Assert.Equal(3, validation.Length);
        Assert.Equal(Loss(train), epoch.TrainLoss, 5);
        Assert.Equal(Loss(validation), epoch.ValidationLoss!.Value, 5);
        Assert.Null(epoch.TrainAccuracy);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void AContinuousTextsEpochIsTheMeanLossOverItsStreamsReadInWindowsWithTheStateCarried(int streams)
    {
        const string text = "the quick brown fox jumps over the lazy dog while the cat naps in the sun";
        var corpus = new TextCorpus(text, LineMode: false);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            Epochs = 2, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 5, BatchSize = streams, ValidationFraction = 0.2f, EarlyStoppingPatience = 0,
        };
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus).Model;

        var epoch = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, Frozen(hp), corpus, initFrom: model).History[0];

        // The last fifth (15 characters) validates; the rest is cut into streams of equal length, each from a fresh state,
        // each input's target the character after it (so a stream reads one character past its inputs).
        var validation = text[^15..];
        var training = text[..^15];
        int length = (training.Length - 1) / streams;
        double trainLoss = Enumerable.Range(0, streams).Average(s => Math.Log(model.Perplexity(training.Substring(s * length, length + 1))));
        Assert.Equal(trainLoss, epoch.TrainLoss, 5);
        Assert.Equal(Math.Log(model.Perplexity(validation)), epoch.ValidationLoss!.Value, 5);
    }

    [Fact]
    public void AContinuousTextIsCutIntoNoMoreStreamsThanItHasWholeWindowsFor()
    {
        // 9 characters give 8 inputs: one whole window of 5, so one stream (read in windows of 5 and 3) although the
        // batch allows 4; the epoch's loss is the model's over the whole text from a fresh state.
        const string text = "abcdefghi";
        var corpus = new TextCorpus(text, LineMode: false);
        var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            Epochs = 2, HiddenSize = 4, EmbeddingSize = 4, SequenceLength = 5, BatchSize = 4, ValidationFraction = 0, EarlyStoppingPatience = 0,
        };
        var model = (CharLanguageModel)Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus).Model;

        var epoch = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, Frozen(hp), corpus, initFrom: model).History[0];

        Assert.Equal(Math.Log(model.Perplexity(text)), epoch.TrainLoss, 5);
    }

    private static (double Loss, double Accuracy) Score(SentimentClassifier model, IReadOnlyList<SentimentExample> examples)
    {
        var predictions = model.Classify(examples.Select(e => e.Text).ToList());
        var pairs = predictions.Zip(examples).ToList();
        return (pairs.Average(p => -Math.Log(p.Second.Label == 1 ? p.First.Probability : 1 - p.First.Probability)),
            pairs.Count(p => p.First.Label == p.Second.Label) / (double)pairs.Count);
    }
}
