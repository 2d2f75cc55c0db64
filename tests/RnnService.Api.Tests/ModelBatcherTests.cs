using RnnService.Api.Inference;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tests.Models;

namespace RnnService.Api.Tests;

/// <summary>The batcher's failure paths, driven directly (no host): a fault fails the requests it reached, and only those,
/// and the next request finds the batcher working.</summary>
public sealed class ModelBatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Upper-cases each text; an engine refusal for the text "bad".</summary>
    private static readonly BatchedRead<string> Shout = new((_, texts) => texts.Any(t => t.Text == "bad")
        ? throw new ArgumentException("the engine refused 'bad'")
        : texts.Select(t => t.Text.ToUpperInvariant()).ToList());

    [Fact]
    public async Task RequestsArrivingInOneWindowShareOneSpellAndOneRead()
    {
        var counters = new BatchingCounters();
        var batcher = new ModelBatcher(SmallModels.WordClassifier(Architecture.Lstm, seed: 3), TimeSpan.FromMilliseconds(500), counters);
        var first = batcher.ReadAsync(Shout, ["one"], default);
        var second = batcher.ReadAsync(Shout, ["two", "three"], default);

        Assert.Equal(["ONE"], await first.WaitAsync(Deadline));
        Assert.Equal(["TWO", "THREE"], await second.WaitAsync(Deadline));
        Assert.Equal((1, 1, 3), (counters.WindowsWaited, counters.ReadsStarted, counters.WidestRead));

        // That spell served two requests, so the next one waits for company too; a spell that served one does not. (A spell
        // ends microseconds after its last answer; the pauses keep the next request from joining the spell before.)
        await Task.Delay(200);
        Assert.Equal(["FOUR"], await batcher.ReadAsync(Shout, ["four"], default).WaitAsync(Deadline));
        Assert.Equal(2, counters.WindowsWaited);
        await Task.Delay(200);
        Assert.Equal(["FIVE"], await batcher.ReadAsync(Shout, ["five"], default).WaitAsync(Deadline));
        Assert.Equal(2, counters.WindowsWaited);
    }

    [Fact]
    public async Task AGenerationOfSeveralRunsAnswersOnlyWhenTheLongestHasEnded()
    {
        var batcher = new ModelBatcher(SmallModels.ContinuousCharModel(defaultPrompt: "a"), TimeSpan.FromMilliseconds(20), new BatchingCounters());
        var runs = await batcher.RunAsync([new GenerationJob(new GenerationOptions { MaxLength = 3, Seed = 1 }),
            new GenerationJob(new GenerationOptions { MaxLength = 40, Seed = 2 })], default).WaitAsync(Deadline);

        Assert.Equal([3, 40], runs.Select(r => Assert.Single(r.Samples).Length));
        Assert.All(runs, r => Assert.True(r.IsFinished));
    }

    [Fact]
    public async Task AReadTheEngineRefusesFailsWithTheEnginesErrorAndTheBatcherReadsTheNextRequest()
    {
        var counters = new BatchingCounters();
        var batcher = new ModelBatcher(SmallModels.WordClassifier(Architecture.Lstm, seed: 3), TimeSpan.FromMilliseconds(20), counters);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => batcher.ReadAsync(Shout, ["bad"], default).WaitAsync(Deadline));
        Assert.Equal("the engine refused 'bad'", refused.Message);
        Assert.Equal(["GOOD", "DAY"], await batcher.ReadAsync(Shout, ["good", "day"], default).WaitAsync(Deadline));
        Assert.Equal((2, 2), (counters.ReadsStarted, counters.WidestRead));
    }

    [Fact]
    public async Task AGenerationFaultFailsTheReadWaitingBesideItAndTheNextRequestStartsAfresh()
    {
        // A classifier cannot generate: starting the batch throws while the read that arrived in the same window waits.
        var counters = new BatchingCounters();
        var batcher = new ModelBatcher(SmallModels.WordClassifier(Architecture.Gru, seed: 4), TimeSpan.FromMilliseconds(500), counters);
        var generation = batcher.RunAsync([new GenerationJob(new GenerationOptions { MaxLength = 5 })], default);
        var read = batcher.ReadAsync(Shout, ["waiting"], default);

        await Assert.ThrowsAsync<InvalidCastException>(() => generation.WaitAsync(Deadline));
        await Assert.ThrowsAsync<InvalidCastException>(() => read.WaitAsync(Deadline));
        Assert.Equal(0, counters.ReadsStarted);

        // Neither failed request is run again: the next spell reads this text alone.
        Assert.Equal(["AGAIN"], await batcher.ReadAsync(Shout, ["again"], default).WaitAsync(Deadline));
        Assert.Equal((1, 1), (counters.ReadsStarted, counters.WidestRead));
    }

    [Fact]
    public async Task ARequestWithOneRefusedPromptFailsWholeAndItsOtherRunsLeaveTheBatch()
    {
        var counters = new BatchingCounters();
        // A continuous model with no default prompt refuses an empty prompt when the run is added to the batch.
        var batcher = new ModelBatcher(SmallModels.ContinuousCharModel(defaultPrompt: null), TimeSpan.FromMilliseconds(500), counters);
        var refused = batcher.RunAsync([new GenerationJob(new GenerationOptions { Prompt = "ab", MaxLength = 30, Seed = 1 }),
            new GenerationJob(new GenerationOptions { Prompt = "", MaxLength = 30 })], default);
        var accepted = batcher.RunAsync([new GenerationJob(new GenerationOptions { Prompt = "ab", MaxLength = 30, Seed = 2 })], default);

        Assert.Equal("options", (await Assert.ThrowsAsync<ArgumentException>(() => refused.WaitAsync(Deadline))).ParamName);
        var runs = await accepted.WaitAsync(Deadline);
        var sample = Assert.Single(Assert.Single(runs).Samples);
        Assert.Equal(("ab", 32), (sample[..2], sample.Length));   // a continuous model's sample starts with its prompt
        // The refused request's first run, added before its second was refused, was taken out again: one sample per step.
        Assert.Equal(1, counters.WidestStep);
    }

    [Fact]
    public async Task FinishedGenerationsLeaveTheBatchSoTheSpellEndsAndTheNextRequestWaitsForCompanyAgain()
    {
        var counters = new BatchingCounters();
        var batcher = new ModelBatcher(SmallModels.ContinuousCharModel(defaultPrompt: "a"), TimeSpan.FromMilliseconds(500), counters);
        var first = batcher.RunAsync([new GenerationJob(new GenerationOptions { MaxLength = 5, Seed = 1 })], default);
        var second = batcher.RunAsync([new GenerationJob(new GenerationOptions { MaxLength = 8, Seed = 2 })], default);
        await Task.WhenAll(first, second).WaitAsync(Deadline);
        Assert.Equal((1, 2), (counters.WindowsWaited, counters.WidestStep));

        // The spell served two requests and ended with its last sample, so the next request starts a spell of its own and
        // waits for company; a spell still stepping its finished runs would take it in at once.
        await Task.Delay(200);
        var third = await batcher.RunAsync([new GenerationJob(new GenerationOptions { MaxLength = 3, Seed = 3 })], default).WaitAsync(Deadline);
        Assert.Equal(3, Assert.Single(Assert.Single(third).Samples).Length);
        Assert.Equal(2, counters.WindowsWaited);
    }
}
