using RnnService.Engine.Data;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class PretrainedEmbeddingTests
{
    private static readonly SentimentData Toy = (SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment);
    private static readonly WordVectors Glove = BuiltInWordVectors.Load(BuiltInWordVectors.Glove6B100d);
    private static readonly Hyperparameters WithGlove = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
    {
        EmbeddingSize = 100, PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d, HiddenSize = 16, Epochs = 4,
    };

    private static float[] EmbeddingOf(RnnModel model) =>
        model.Network.Parameters.Value(model.Network.Embedding.Weight).ToArray();

    [Fact]
    public void TheEmbeddingStartsFromTheTableAndStaysWhileTheRestTrains()
    {
        var once = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, WithGlove with { Epochs = 1 }, Toy).Model;
        var four = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, WithGlove, Toy).Model;

        Assert.Equal(EmbeddingOf(once), EmbeddingOf(four));
        Assert.NotEqual(once.Network.Parameters.Value(once.Network.Head.Weight).ToArray(),
            four.Network.Parameters.Value(four.Network.Head.Weight).ToArray());
        int good = four.Config.Vocabulary.ToList().IndexOf("good");
        var expected = new float[100];
        Glove.CopyRow(Glove.RowOf("good"), expected);
        Assert.Equal(expected, EmbeddingOf(four).AsSpan(good * 100, 100).ToArray());
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 2)]
    [InlineData(OptimizerKind.Sgd, 1)]   // with momentum: one buffer
    public void TheOptimizerKeepsStateOnlyForTheTrainedParameters(OptimizerKind optimizer, int buffers)
    {
        TrainingCheckpoint? saved = null;
        var model = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, WithGlove with { Epochs = 1, Optimizer = optimizer }, Toy,
            new TrainingCallbacks { OnCheckpoint = c => saved = c }).Model;

        long embedding = model.Config.VocabularySize * 100L;
        Assert.Equal(buffers, saved!.OptimizerState.Count);
        Assert.All(saved.OptimizerState, buffer => Assert.Equal(model.ParameterCount - embedding, buffer.Length));
    }

    [Fact]
    public void AWordTheTrainingTextsLackReadsItsPretrainedVectorAndSurvivesSaveAndLoad()
    {
        var model = (SentimentClassifier)Trainer.Train(TaskKind.Sentiment, Architecture.Gru, WithGlove, Toy).Model;
        Assert.DoesNotContain("splendid", model.Config.Vocabulary);

        var before = model.Classify(["the splendid zzqxv film", "the dreadful film"]);
        var loaded = (SentimentClassifier)RnnModel.FromSafetensors(model.ToSafetensors());
        var after = loaded.Classify(["the splendid zzqxv film", "the dreadful film"]);

        Assert.Equal(["zzqxv"], before[0].UnknownWords);
        Assert.Equal(before.Select(c => c.Probability), after.Select(c => c.Probability));
        var asUnknown = model.Classify(["the zzqxv zzqxv film"]);
        Assert.NotEqual(asUnknown[0].Probability, before[0].Probability);
    }

    [Fact]
    public void ResumingAFrozenEmbeddingRunMatchesTheStraightRun()
    {
        var hp = WithGlove with { Epochs = 6 };
        var straight = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, Toy);
        TrainingCheckpoint? saved = null;
        Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { Epochs = 3 }, Toy, new TrainingCallbacks { OnCheckpoint = c => saved = c });

        var resumed = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, Toy, resumeFrom: TrainingCheckpoint.FromBytes(saved!.ToBytes()));

        Assert.Equal(straight.Model.ToSafetensors(), resumed.Model.ToSafetensors());
    }

    [Fact]
    public void FineTuningKeepsTheBaseModelsPretrainedEmbeddings()
    {
        var trained = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, WithGlove with { Epochs = 1 }, Toy).Model;

        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(TaskKind.Sentiment, Architecture.Lstm,
            WithGlove with { PretrainedEmbeddings = null }, Toy, initFrom: trained));
        Assert.Equal("initFrom", e.ParamName);
        var tuned = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, WithGlove with { Epochs = 1 }, Toy, initFrom: trained).Model;
        Assert.Equal(EmbeddingOf(trained), EmbeddingOf(tuned));
    }

    [Fact]
    public void SettingsThatDoNotFitThePretrainedVectorsAreRejectedNamingEachField()
    {
        Assert.Equal(["EmbeddingSize"], (WithGlove with { EmbeddingSize = 32 }).Errors(TaskKind.Sentiment).Select(e => e.Key));
        Assert.Equal(["PretrainedEmbeddings"], (WithGlove with { PretrainedEmbeddings = "word2vec" }).Errors(TaskKind.Sentiment).Select(e => e.Key));
        Assert.Equal(["PretrainedEmbeddings"], (Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            EmbeddingSize = 100, PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d,
        }).Errors(TaskKind.CharLm).Select(e => e.Key));
    }
}
