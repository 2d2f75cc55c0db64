using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

using static RnnService.Engine.Tests.Models.SmallModels;

namespace RnnService.Engine.Tests.Models;

/// <summary>Generation and classification observe their CancellationToken between steps and batches.</summary>
public class InferenceCancellationTests
{
    [Fact]
    public async Task GenerationCancelledMidwayThrowsAndRunsAtMostOneStepAfterTheCancel()
    {
        var model = ContinuousCharModel(defaultPrompt: "a");
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
        var lm = ContinuousCharModel(defaultPrompt: "a");
        var classifier = WordClassifier(Architecture.Lstm, seed: 7);
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
}
