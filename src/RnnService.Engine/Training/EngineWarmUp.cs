using RnnService.Engine.Embeddings;
using RnnService.Engine.Kernels;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Engine.Training;

/// <summary>
/// Runs the engine's training and inference code once on tiny models, so that a process compiles it before its first
/// real job instead of during it. Each architecture trains a character model at batch 1 (SGD with momentum, seed 003's
/// way) and at batch 4 (Adam, validation), and a sentiment model (the LSTM's over the built-in GloVe vectors, as the
/// fitted defaults train one); each model is serialised and read back, writes a few
/// characters or classifies two texts. Without it a fresh service's first seed-003 job took 1.33-1.59x the time of its
/// third, with it 1.01-1.30x (docs/benchmarks.md, session 35). It takes 0.7-0.85 s in a starting service, a few
/// milliseconds once the code is compiled. Its models do not outlive the call; what stays is what any job leaves: the
/// compiled code, the GEMM pool's and the step partner's threads, and the GloVe table (19 MB).
/// </summary>
public static class EngineWarmUp
{
    private const string Text =
        "the quick brown fox jumps over the lazy dog. pack my box with five dozen liquor jugs!\n" +
        "how vexingly quick daft zebras jump; sphinx of black quartz, judge my vow.\n";

    private static readonly SentimentExample[] Reviews =
    [
        new("a wonderful film with a great cast", 1), new("dull and far too long", 0),
        new("i loved every minute of it", 1), new("the plot made no sense at all", 0),
        new("funny moving and well made", 1), new("a waste of a good evening", 0),
        new("brilliant from start to end", 1), new("boring and badly acted", 0),
    ];

    /// <exception cref="OperationCanceledException">Cancelled; checked between batches.</exception>
    public static void Run(CancellationToken cancellationToken = default)
    {
        RunProducts();
        var corpus = new TextCorpus(string.Concat(Enumerable.Repeat(Text, 3)), LineMode: false);
        var reviews = new SentimentData(Reviews);
        var charLm = Hyperparameters.DefaultsFor(TaskKind.CharLm) with
        {
            EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 32, Epochs = 2,
        };
        var sentiment = Hyperparameters.DefaultsFor(TaskKind.Sentiment) with
        {
            EmbeddingSize = 8, HiddenSize = 16, BatchSize = 4, Epochs = 2, ValidationFraction = 0.25f,
        };
        var callbacks = new TrainingCallbacks { CheckpointDue = epoch => epoch == 1, OnCheckpoint = c => TrainingCheckpoint.FromBytes(c.ToBytes()) };
        foreach (var architecture in Enum.GetValues<Architecture>())
        {
            Train(TaskKind.CharLm, architecture, charLm with
            {
                // One long window, as seed 003 reads Hamlet: its few distinct characters take the grouped token paths.
                BatchSize = 1, SequenceLength = 400, Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, ValidationFraction = 0,
            }, corpus, callbacks, cancellationToken);
            var model = (CharLanguageModel)Train(TaskKind.CharLm, architecture, charLm with { BatchSize = 4, ValidationFraction = 0.25f },
                corpus, callbacks, cancellationToken);
            model.Generate(new GenerationOptions { Prompt = "th", MaxLength = 8, Count = 2, Seed = 1 }, cancellationToken);
            model.NextCharacters("the ", 3);

            // The fitted sentiment defaults read frozen GloVe vectors: the LSTM's model loads the built-in table (once per
            // process, about 0.25 s and 19 MB that stay) and takes the frozen-embedding paths; the others learn theirs.
            var classifier = (SentimentClassifier)Train(TaskKind.Sentiment, architecture, architecture == Architecture.Lstm
                ? sentiment with
                {
                    PretrainedEmbeddings = BuiltInWordVectors.Glove6B100d,
                    EmbeddingSize = BuiltInWordVectors.DimensionsOf(BuiltInWordVectors.Glove6B100d),
                }
                : sentiment, reviews, callbacks, cancellationToken);
            classifier.Classify(["a great film", "boring"], cancellationToken);
        }
    }

    /// <summary>The products a model's sizes choose: every row count a tile pass takes (1 to 17 rows: full groups, a short
    /// group, a full and a short group paired), plain, transposed and over packed weights; and one large enough for the
    /// pool's second thread, which it starts.</summary>
    private static void RunProducts()
    {
        const int n = 40, k = 24, rows = 17;
        float[] a = new float[rows * k], b = new float[k * n], c = new float[rows * n];
        var packed = new PackedMatrix(k, n);
        packed.Pack(transB: false, b, n);
        for (int m = 1; m <= rows; m++)
        {
            Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);
            Sgemm.Multiply(true, false, m, n, k, a, m, b, n, c, n, accumulate: true);
            Sgemm.Multiply(m, a, k, packed, c, n, accumulate: true);
        }
        const int side = 256;   // 2·256³ flops, above Sgemm.ParallelFlops
        var square = new float[side * side];
        Sgemm.Multiply(false, false, side, side, side, square, side, square, side, new float[side * side], side, accumulate: false);
    }

    private static RnnModel Train(TaskKind task, Architecture architecture, Hyperparameters hyperparameters, TrainingData data,
        TrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        var model = Trainer.Train(task, architecture, hyperparameters, data, callbacks, cancellationToken: cancellationToken).Model;
        return RnnModel.FromSafetensors(model.ToSafetensors());
    }
}
