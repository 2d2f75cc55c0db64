using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;

namespace RnnService.Engine.Training;

public sealed partial record Hyperparameters
{
    /// <summary>
    /// Optimisation steps a default run aims for. Measured on the built-ins (docs/quality.md): about 600 Adam
    /// steps memorise the Hamlet page (batch 1) and bring us-names to its best validation perplexity (batch 64);
    /// a fixed epoch count would under-train a page and over-train thousands of lines.
    /// </summary>
    public const int TargetSteps = 600;

    /// <summary>
    /// With early stopping on, the epoch count is only a ceiling, and early stopping should end the run first: a run
    /// gets at least this many epochs (at most <see cref="EarlyStoppingMaxSteps"/> steps). Measured (docs/quality.md):
    /// early stopping ends the default runs after about 7 epochs on imdb-sentences and on 4,716 e-mails and 9 to 13 on
    /// us-names, where about <see cref="TargetSteps"/> steps alone gave the e-mails 2 epochs and stopped us-names at 6
    /// while its validation perplexity still fell.
    /// </summary>
    public const int EarlyStoppingEpochs = 30;

    /// <summary>Keeps the <see cref="EarlyStoppingEpochs"/> ceiling of a large dataset's default job well inside the job time limit.</summary>
    public const int EarlyStoppingMaxSteps = 20 * TargetSteps;

    /// <summary>A continuous text shorter than this is for imitation: no validation split, one stream.</summary>
    public const int ShortTextCharacters = 20_000;

    /// <summary>
    /// Defaults that fit the data as well as the task: batch size and validation split from its size, frozen GloVe
    /// vectors and max pooling for classifiers, early stopping (keeping the best weights) wherever there is a validation
    /// split, and the epochs that give about <see cref="TargetSteps"/> optimisation steps, or room for early stopping
    /// to decide (<see cref="EpochsFor"/>).
    /// </summary>
    public static Hyperparameters DefaultsFor(TaskKind task, DataShape data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var d = DefaultsFor(task);
        d = task switch
        {
            // Chosen by cross-validation on the imdb-sentences training part only (10 folds × 10 seeds, the held-out
            // fifth never read; tests/tools/RnnService.Quality --cv, figures in docs/quality.md): frozen GloVe vectors beat a
            // learned embedding by 0.08 (0.82 against 0.74), a learning rate of 0.005 beat 0.01 over those vectors by
            // 0.012 (3 standard errors) and max pooling over each text's real words beat the last state; mean pooling,
            // bidirectional, dropout, other sizes, batches and patience did not beat it by more than their standard error.
            // No weight decay: AdamW shrinks the weights by lr × decay every step, so a decay chosen on 90 steps an epoch
            // (800 sentences) crushed them at 531 (4,716 e-mails: 0.949 with decay 1, 0.974 without). Swept over both and
            // toy-sentiment (docs/quality.md), 0.005 without decay came within 1 point of each one's best setting,
            // decays included (0.826 against 0.834 on the imdb-sentences folds).
            TaskKind.Sentiment => d with
            {
                LearningRate = 0.005f, WeightDecay = 0, Pooling = Pooling.Max,
                EmbeddingSize = BuiltInWordVectors.DimensionsOf(BuiltInWordVectors.Glove6B100d),
                PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d,
            },
            // Char models keep the task's learning rate, 0.005: swept with 0.01 and 0.02 (docs/quality.md), it reached
            // the best us-names perplexity (6.96 against 7.09 at 0.01, with early stopping deciding the epochs) and
            // still recites the Hamlet page, as every rate there did.
            _ when data.Continuous && data.Samples < ShortTextCharacters =>
                d with { BatchSize = 1, ValidationFraction = 0, EarlyStoppingPatience = 0 },
            _ => d with { BatchSize = 64, EarlyStoppingPatience = 2 },
        };
        return d with { Epochs = d.EpochsFor(task, data) };
    }

    /// <summary>
    /// Epochs giving about <see cref="TargetSteps"/> optimisation steps with these settings on data of this shape, and
    /// with early stopping on at least <see cref="EarlyStoppingEpochs"/> (or <see cref="EarlyStoppingMaxSteps"/> steps
    /// if fewer); 1 to 500.
    /// </summary>
    public int EpochsFor(TaskKind task, DataShape data)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Also called on settings not yet validated: out-of-range values are clamped here, rejected by Errors().
        double trainShare = 1 - (ValidationFraction is >= 0 and <= 0.5f ? ValidationFraction : 0);
        int batch = Math.Max(1, BatchSize), window = Math.Max(2, SequenceLength);
        double stepsPerEpoch;
        if (task == TaskKind.CharLm && data.Continuous)
        {
            // RunStream: min(BatchSize, length / SequenceLength) streams read in windows of SequenceLength.
            double length = Math.Max(2, data.Samples * trainShare);
            double streams = Math.Clamp(Math.Floor((length - 1) / window), 1, batch);
            stepsPerEpoch = Math.Ceiling((length - 1) / streams / window);
        }
        else stepsPerEpoch = Math.Ceiling(Math.Max(1, data.Samples * trainShare) / batch);
        double EpochsForSteps(int steps) => Math.Ceiling(steps / Math.Max(1, stepsPerEpoch));
        double epochs = EpochsForSteps(TargetSteps);
        if (EarlyStoppingPatience > 0) epochs = Math.Max(epochs, Math.Min(EarlyStoppingEpochs, EpochsForSteps(EarlyStoppingMaxSteps)));
        return (int)Math.Clamp(epochs, 1, 500);
    }

    /// <summary>
    /// Which of n items (sentences without a test set of their own, or lines) a run holds out for validation:
    /// (train indices, validation indices), each in original order. Seeded by <see cref="Seed"/>, so the same
    /// settings always hold out the same items (also for a comparison made outside the engine).
    /// </summary>
    public (int[] Train, int[] Validation) ValidationSplit(int n) => TrainingTask.Split(n, ValidationFraction, Seed);
}
