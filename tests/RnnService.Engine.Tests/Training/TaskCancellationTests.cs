using RnnService.Engine.Core;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Training;

/// <summary>
/// A task checks the cancellation token before each batch, so a cancel stops a long epoch (an IMDB-sized corpus takes
/// minutes) at its next batch instead of at its end; the trainer itself checks only between epochs.
/// </summary>
public class TaskCancellationTests
{
    /// <summary>Cancels the run at its first step, as a user's cancel arriving during the first batch would.</summary>
    private sealed class CancellingOptimizer(CancellationTokenSource cancel) : Optimizer(0.1f)
    {
        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            Steps++;
            cancel.Cancel();
        }

        public override IReadOnlyList<float[]> StateBuffers => [];
    }

    public static TheoryData<string> Tasks => ["sentiment", "lines", "continuous"];

    [Theory]
    [MemberData(nameof(Tasks))]
    public void ACancelDuringAnEpochStopsItBeforeItsNextBatch(string kind)
    {
        var charLm = Hyperparameters.DefaultsFor(TaskKind.CharLm) with { HiddenSize = 4, EmbeddingSize = 4, SequenceLength = 5, BatchSize = 2 };
        TrainingTask task = kind switch
        {
            "sentiment" => new SentimentTask((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment),
                Hyperparameters.DefaultsFor(TaskKind.Sentiment) with { HiddenSize = 4, EmbeddingSize = 4, BatchSize = 8 }),
            "lines" => new CharLanguageModelTask(new TextCorpus("ann\nbob\ncarol\ndee\neve\nfay\ngus", LineMode: true), charLm),
            _ => new CharLanguageModelTask(new TextCorpus("the quick brown fox jumps over the lazy dog", LineMode: false), charLm),
        };
        var network = task.CreateConfig(Architecture.Lstm).CreateNetwork();
        network.Initialize(new Rng(1));
        using var cancel = new CancellationTokenSource();
        var optimizer = new CancellingOptimizer(cancel);

        Assert.Throws<OperationCanceledException>(() => task.TrainEpoch(network, optimizer, new Rng(2), cancel.Token));

        Assert.Equal(1, optimizer.Steps); // every task here has at least three batches
    }
}
