using RnnService.Engine.Data;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

public class FineTuneRulesTests
{
    private static readonly Hyperparameters Small = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { HiddenSize = 8, Epochs = 1 };
    private static readonly ModelConfig Base =
        Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, Small, BuiltInDatasets.Load(BuiltInDatasets.ToySentiment)).Model.Config;

    [Fact]
    public void AJobThatKeepsTheBasesTaskArchitectureAndSizesHasNoErrors() =>
        Assert.Empty(FineTuneRules.Errors(Base, TaskKind.Sentiment, Architecture.Lstm, Small with { Epochs = 5, LearningRate = 0.001f }));

    [Fact]
    public void EachDifferenceIsNamedByItsFieldAndSaysWhatTheBaseHas()
    {
        var errors = FineTuneRules.Errors(Base, TaskKind.CharLm, Architecture.Gru, Small with { EmbeddingSize = 16, HiddenSize = 24, Layers = 2 })
            .ToDictionary(e => e.Key, e => e.Value);

        Assert.Equal(["Task", "Architecture", "EmbeddingSize", "HiddenSize", "Layers"], errors.Keys);
        Assert.Equal("The base model is a sentiment model; this job's task is charlm.", errors["Task"]);
        Assert.Contains("is lstm", errors["Architecture"]);
        Assert.Equal("The base model (initFrom) has hiddenSize 8; fine-tuning keeps it (omit it, or give 8).", errors["HiddenSize"]);
    }

    [Fact]
    public void PretrainedEmbeddingsAreKeptAndNoneIsHowTheyAreNamedWhenAbsent()
    {
        var error = Assert.Single(FineTuneRules.Errors(Base, TaskKind.Sentiment, Architecture.Lstm, Small with { PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d }));
        Assert.Equal("PretrainedEmbeddings", error.Key);
        Assert.Contains("has pretrainedEmbeddings none", error.Value);
        // A base with vectors: a job that leaves them out asks for none, and is refused too.
        var withVectors = Base with { Hyperparameters = Base.Hyperparameters with { PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d } };
        Assert.Contains("has pretrainedEmbeddings glove-6b-100d", Assert.Single(FineTuneRules.Errors(withVectors, TaskKind.Sentiment, Architecture.Lstm, Small)).Value);
        Assert.Empty(FineTuneRules.Errors(withVectors, TaskKind.Sentiment, Architecture.Lstm, Small with { PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d }));
    }

    [Fact]
    public void ACharModelKeepsItsLineModeWhenTheDataKindIsKnown()
    {
        var charHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var lines = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann\nbob\ncid\ndee", LineMode: true)).Model.Config;

        Assert.Empty(FineTuneRules.Errors(lines, TaskKind.CharLm, Architecture.Lstm, charHp, lineMode: true));
        Assert.Empty(FineTuneRules.Errors(lines, TaskKind.CharLm, Architecture.Lstm, charHp, lineMode: null));
        var error = Assert.Single(FineTuneRules.Errors(lines, TaskKind.CharLm, Architecture.Lstm, charHp, lineMode: false));
        Assert.Equal("LineMode", error.Key);
        Assert.StartsWith("The base model was trained on lines (one sample per line); this data is continuous text.", error.Value);
    }

    [Fact]
    public void ACharModelsNewDataMayUseOnlyItsAlphabetAndTheTrainerRefusesOtherCharacters()
    {
        var charHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var baseModel = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann\nbob\ncid\ndee", LineMode: true)).Model;

        Assert.Empty(FineTuneRules.NewCharacters(baseModel.Config, new TextCorpus("dan\nbea\n", LineMode: true)));
        Assert.Equal(["B", "z"], FineTuneRules.NewCharacters(baseModel.Config, new TextCorpus("Bob\nzed\nann\n", LineMode: true)));
        var refused = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("Bob\nzed\n", LineMode: true), initFrom: baseModel));
        Assert.Equal("initFrom", refused.ParamName);
        Assert.StartsWith("The base model (initFrom) never saw 2 of this data's characters ('B' 'z')", refused.Message);
    }

    [Fact]
    public void EachMessageSaysWhatTheBaseHasAndHowToKeepIt()
    {
        var errors = FineTuneRules.Errors(Base, TaskKind.Sentiment, Architecture.Gru, Small with { PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d })
            .ToDictionary(e => e.Key, e => e.Value);

        Assert.Equal("The base model (initFrom) is lstm; fine-tuning keeps the architecture (omit it, or give lstm).", errors["Architecture"]);
        Assert.Equal("The base model (initFrom) has pretrainedEmbeddings none; fine-tuning keeps it (omit it, or give none).",
            errors["PretrainedEmbeddings"]);
    }

    [Fact]
    public void TheLineModeIsComparedOnlyBetweenTwoCharModels()
    {
        var charHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var lines = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann\nbob\ncid\ndee", LineMode: true)).Model.Config;

        Assert.Equal(["Task"], FineTuneRules.Errors(Base, TaskKind.CharLm, Architecture.Lstm, Small, lineMode: true).Select(e => e.Key));
        Assert.Equal(["Task"], FineTuneRules.Errors(lines, TaskKind.Sentiment, Architecture.Lstm, charHp, lineMode: false).Select(e => e.Key));
        Assert.Equal("The base model was trained on lines (one sample per line); this data is continuous text. " +
            "Fine-tune it on lines (one sample per line) (an upload's lineMode says which).",
            Assert.Single(FineTuneRules.Errors(lines, TaskKind.CharLm, Architecture.Lstm, charHp, lineMode: false)).Value);
    }

    [Fact]
    public void OnlyACharModelsDataOfItsOwnKindIsCheckedForNewCharactersAndDataInItsAlphabetTrains()
    {
        var charHp = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { Epochs = 1, HiddenSize = 8, EmbeddingSize = 4, SequenceLength = 8, BatchSize = 2 };
        var lines = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("ann\nbob\ncid\ndee", LineMode: true)).Model;

        Assert.Empty(FineTuneRules.NewCharacters(Base, new TextCorpus("xyz\nqrs", LineMode: true)));
        Assert.Empty(FineTuneRules.NewCharacters(lines.Config, new TextCorpus("xyz qrs", LineMode: false)));
        var tuned = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, charHp, new TextCorpus("dan\nbea\nabe", LineMode: true), initFrom: lines);
        Assert.Equal(lines.Config.Vocabulary, tuned.Model.Config.Vocabulary);
    }

    [Fact]
    public void TheNewCharactersMessageNamesTheFirstTwentyAndMarksMore()
    {
        var twenty = Enumerable.Range(0, 20).Select(i => ((char)('A' + i)).ToString()).ToList();

        var message = FineTuneRules.NewCharactersMessage(twenty);
        var more = FineTuneRules.NewCharactersMessage([.. twenty, "Z"]);

        Assert.StartsWith("The base model (initFrom) never saw 20 of this data's characters ('A' 'B' 'C'", message);
        Assert.Contains("'S' 'T'); a fine-tune keeps its alphabet, so it could never write them. Fine-tune on text in its alphabet " +
            "(lowercased, for example), or train a new model on this data.", message);
        Assert.StartsWith("The base model (initFrom) never saw 21 of this data's characters ('A'", more);
        Assert.Contains("'S' 'T' ...); a fine-tune", more);
        Assert.DoesNotContain("'Z'", more);
    }
}
