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

    /// <summary>A continuous text shorter than this is for imitation: no validation split, one stream.</summary>
    public const int ShortTextCharacters = 20_000;

    /// <summary>
    /// Defaults that fit the data as well as the task: batch size, learning rate and validation split from its
    /// size, frozen GloVe vectors, weight decay and max pooling for classifiers, early stopping (keeping the best weights) wherever there is a validation split, and the epochs
    /// that give about <see cref="TargetSteps"/> optimisation steps (<see cref="EpochsFor"/>).
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
            // 0.012 (3 standard errors), max pooling over each text's real words beat the last state and AdamW's decay
            // was kept from the learned-embedding search; mean pooling, bidirectional, dropout, other sizes, batches and
            // patience did not beat it by more than their standard error.
            TaskKind.Sentiment => d with
            {
                LearningRate = 0.005f, WeightDecay = 1, Pooling = Pooling.Max,
                EmbeddingSize = BuiltInWordVectors.DimensionsOf(BuiltInWordVectors.Glove6B100d),
                PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d,
            },
            _ when data.Continuous && data.Samples < ShortTextCharacters =>
                d with { BatchSize = 1, LearningRate = 0.01f, ValidationFraction = 0, EarlyStoppingPatience = 0 },
            _ => d with { BatchSize = 64, LearningRate = 0.01f, EarlyStoppingPatience = 2 },
        };
        return d with { Epochs = d.EpochsFor(task, data) };
    }

    /// <summary>Epochs giving about <see cref="TargetSteps"/> optimisation steps with these settings on data of this shape, 1 to 500.</summary>
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
        return (int)Math.Clamp(Math.Ceiling(TargetSteps / Math.Max(1, stepsPerEpoch)), 1, 500);
    }

    /// <summary>
    /// Which of n items (sentences without a test set of their own, or lines) a run holds out for validation:
    /// (train indices, validation indices), each in original order. Seeded by <see cref="Seed"/>, so the same
    /// settings always hold out the same items (also for a comparison made outside the engine).
    /// </summary>
    public (int[] Train, int[] Validation) ValidationSplit(int n) => TrainingTask.Split(n, ValidationFraction, Seed);
}
