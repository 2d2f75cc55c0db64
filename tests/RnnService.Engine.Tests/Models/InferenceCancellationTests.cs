using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

namespace RnnService.Engine.Tests.Models;

/// <summary>Generation and classification observe their CancellationToken between steps and batches.</summary>
public class InferenceCancellationTests
{
    private static readonly string[] Letters = ["<pad>", "<unk>", "a", "b", "c", "d", " "];

    [Fact]
    public async Task GenerationCancelledMidwayThrowsAndRunsAtMostOneStepAfterTheCancel()
    {
        var model = (CharLanguageModel)Create(TaskKind.CharLm, Letters.Length);
        // Long enough (several seconds) that only the token can end it before the assertions below.
        var options = new GenerationOptions { Prompt = "ab", Count = 8, MaxLength = 1_000_000, Seed = 3 };
        using var cancel = new CancellationTokenSource();
        long atCancel = -1;
        // Its own thread, not the pool's: with the other test classes busy on two cores a pool item could wait
        // until generation had ended by itself (a CI run saw exactly that).
        var watcher = Task.Factory.StartNew(() =>
        {
            SpinWait.SpinUntil(() => model.GenerationSteps >= 50);
            cancel.Cancel();
            // Read once Cancel has returned: steps taken while it ran (a tiny model's step is a microsecond) are before it.
            atCancel = model.GenerationSteps;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.ThrowsAny<OperationCanceledException>(() => model.Generate(options, cancel.Token));
        await watcher;
        Assert.InRange(model.GenerationSteps - atCancel, 0, 1);
    }

    [Fact]
    public void AnAlreadyCancelledTokenStopsGenerationAndClassificationBeforeAnyWork()
    {
        var lm = (CharLanguageModel)Create(TaskKind.CharLm, Letters.Length);
        var classifier = (SentimentClassifier)Create(TaskKind.Sentiment, 1);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => lm.Generate(new GenerationOptions { Prompt = "a" }, cancel.Token));
        Assert.Equal(0, lm.GenerationSteps);
        Assert.ThrowsAny<OperationCanceledException>(() => classifier.Classify(["a b", "c d"], cancel.Token));
        // An unset token changes nothing.
        Assert.Equal(2, classifier.Classify(["a b", "c d"], CancellationToken.None).Count);
        Assert.Single(lm.Generate(new GenerationOptions { Prompt = "a", MaxLength = 5 }));
        Assert.Equal(5, lm.GenerationSteps);
    }

    /// <summary>A randomly initialised small LSTM: continuous char model (no end marker) or word classifier.</summary>
    private static RnnModel Create(TaskKind task, int outputSize)
    {
        var net = new RecurrentNetwork(Architecture.Lstm, Letters.Length, embeddingSize: 8, hiddenSize: 16, layers: 1, outputSize);
        net.Initialize(new Rng(7));
        var config = new ModelConfig
        {
            Task = task, Architecture = Architecture.Lstm, VocabularySize = Letters.Length, EmbeddingSize = 8, HiddenSize = 16,
            Layers = 1, OutputSize = outputSize, Vocabulary = Letters, DefaultPrompt = task == TaskKind.CharLm ? "a" : null,
            Hyperparameters = Hyperparameters.DefaultsFor(task) with { EmbeddingSize = 8, HiddenSize = 16 },
        };
        return RnnModel.Create(config, net);
    }
}
