using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class FineTuneTests
{
    private static readonly SentimentData Toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
    private static readonly Hyperparameters Small = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { HiddenSize = 16, Epochs = 30 };

    [Fact]
    public void FineTuningStartsFromTheBaseWeightsSoItsFirstEpochIsAlreadyGood()
    {
        var trained = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small, Toy);
        var fresh = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small with { Epochs = 1 }, Toy);
        var tuned = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small with { Epochs = 1 }, Toy, initFrom: trained.Model);

        Assert.True(tuned.History[0].TrainLoss < trained.History[0].TrainLoss / 4,
            $"fine-tuned first epoch {tuned.History[0].TrainLoss}, a fresh one {fresh.History[0].TrainLoss}");
        Assert.Equal(fresh.History[0].TrainLoss, trained.History[0].TrainLoss); // same seed, same start
    }

    [Fact]
    public void AFineTunedModelKeepsTheBaseVocabularyAndReadsNewWordsAsUnknown()
    {
        var trained = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Small with { Epochs = 2 }, Toy);
        var other = new SentimentData([new SentimentExample("a splendid film", 1), new SentimentExample("a dreadful film", 0)], null);

        var tuned = Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Small with { Epochs = 2, ValidationFraction = 0 }, other, initFrom: trained.Model);

        Assert.Equal(trained.Model.Config.Vocabulary, tuned.Model.Config.Vocabulary);
        Assert.DoesNotContain("splendid", tuned.Model.Config.Vocabulary);
        var classified = ((SentimentClassifier)tuned.Model).Classify(["a splendid film"]);
        Assert.Contains("splendid", classified[0].UnknownWords);
    }

    [Fact]
    public void ABaseModelOfAnotherShapeOrKindIsRefusedNamingInitFrom()
    {
        var trained = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small with { Epochs = 1 }, Toy);
        var wider = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small with { Epochs = 1, HiddenSize = 24 }, Toy, initFrom: trained.Model));
        Assert.Equal("initFrom", wider.ParamName);
        var gru = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(TaskKind.Sentiment, Architecture.Gru, Small with { Epochs = 1 }, Toy, initFrom: trained.Model));
        Assert.Equal("initFrom", gru.ParamName);

        var charHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var lines = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann\nbob\ncid\ndee", LineMode: true));
        var continuous = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann bob cid dee", LineMode: false), initFrom: lines.Model));
        Assert.Equal("initFrom", continuous.ParamName);
    }
}
