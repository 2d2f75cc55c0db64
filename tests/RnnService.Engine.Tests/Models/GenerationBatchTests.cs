using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Training;

using static RnnService.Engine.Tests.Models.SmallModels;

namespace RnnService.Engine.Tests.Models;

/// <summary>Continuous batching: runs join and leave a <see cref="GenerationBatch"/> between steps, and each run's text,
/// probabilities and chunks are what it gets alone.</summary>
public class GenerationBatchTests
{
    [Theory]
    [InlineData(Architecture.Lstm)]
    [InlineData(Architecture.Gru)]
    public void ARunWritesTheSameSamplesAloneAndBesideRunsThatJoinAndLeaveAtOtherSteps(Architecture architecture)
    {
        var model = LineCharModel(architecture);
        var mine = new GenerationOptions { Prompt = "ab", MaxLength = 30, Count = 3, Seed = 11, Temperature = 1.2f, Stop = ["ee"] };
        var alone = model.Generate(mine);

        using var batch = model.StartBatch();
        var early = batch.Add(new GenerationOptions { Prompt = "c", MaxLength = 4, Count = 2, Seed = 1 });
        var greedy = batch.Add(new GenerationOptions { MaxLength = 40, Count = 1, Temperature = 0 });
        batch.Step();
        batch.Step();
        var run = batch.Add(mine);   // joins at step 3, beside two others; early leaves after its 4th
        batch.Step();
        var late = batch.Add(new GenerationOptions { Prompt = "dd", MaxLength = 50, Count = 4, Seed = 9, TopK = 3 });
        int widest = 0;
        while (!run.IsFinished)
        {
            widest = Math.Max(widest, batch.WritingSamples);
            batch.Step();
        }

        Assert.True(early.IsFinished);
        Assert.True(widest >= 6, $"at most {widest} samples shared a step, so the runs never overlapped");
        Assert.Equal(alone, run.Samples);
        // The others are what they are alone, too.
        while (batch.Runs.Count > 0) batch.Step();
        Assert.Equal(model.Generate(greedy.Options), greedy.Samples);
        Assert.Equal(model.Generate(late.Options), late.Samples);
    }

    [Fact]
    public void EachGeneratedCharactersLogprobIsTheModelsProbabilityAfterTheTextBeforeItWithin1e6()
    {
        var model = LineCharModel(Architecture.Lstm);
        using var batch = model.StartBatch();
        var other = batch.Add(new GenerationOptions { Prompt = "e", MaxLength = 12, Count = 5, Seed = 4 });
        // MinLength keeps every sample writing past its first character, so the state carried from step to step counts.
        var run = batch.Add(new GenerationOptions { Prompt = "ba", MaxLength = 15, MinLength = 8, Count = 2, Seed = 8 }, logprobs: 3);
        while (!run.IsFinished) batch.Step();

        double worst = 0;
        for (int s = 0; s < run.Count; s++)
        {
            var sample = run.Samples[s];
            Assert.InRange(sample.Length - 2, 8, 15);
            Assert.Equal(sample.Length - 2, run.Logprobs![s].Count);
            foreach (var scored in run.Logprobs[s])
            {
                Assert.Equal(sample[scored.Index].ToString(), scored.Character);
                Assert.Equal(3, scored.Alternatives.Count);
                var alone = model.NextCharacters(sample[..scored.Index], top: Letters.Length).Single(n => n.Character == scored.Character);
                worst = Math.Max(worst, Math.Abs(alone.Probability - scored.Probability!.Value));
            }
        }
        Assert.True(worst <= 1e-6, $"worst difference {worst:e2}");
    }

    [Fact]
    public void ChunksAddUpToEachSampleAfterItsPromptNeverShowAStopStringAndEndWithTheReason()
    {
        var model = LineCharModel(Architecture.Lstm);
        var options = new GenerationOptions { Prompt = "a", Prefix = "b", MaxLength = 6, Count = 12, Seed = 5, Stop = ["cd", "e"] };
        var chunks = new List<SampleChunk>();
        using var batch = model.StartBatch();
        var run = batch.Add(options, onChunk: chunks.Add);
        while (!run.IsFinished) batch.Step();

        for (int s = 0; s < options.Count; s++)
        {
            var mine = chunks.Where(c => c.Sample == s).ToList();
            Assert.Equal(run.Samples[s][1..], string.Concat(mine.Select(c => c.Text)));
            Assert.StartsWith("b", mine[0].Text);
            Assert.All(mine, c => Assert.DoesNotContain("e", c.Text));
            Assert.All(mine.SkipLast(1), c => Assert.Null(c.Finish));
            Assert.Equal(run.Finish[s], mine[^1].Finish);
        }
        // With these settings each way of ending happens, so every branch above was taken.
        Assert.Contains(FinishReason.Stop, run.Finish);
        Assert.Contains(FinishReason.EndOfLine, run.Finish);
        Assert.Contains(FinishReason.Length, run.Finish);
        Assert.Equal(model.Generate(options), run.Samples);
    }

    [Fact]
    public void RemovingOneRunLeavesTheOthersTextUntouchedAndACancelledTokenDropsItsRunAtTheNextStep()
    {
        var model = LineCharModel(Architecture.Gru);
        var keep = new GenerationOptions { Prompt = "c", MaxLength = 30, Count = 2, Seed = 21 };
        using var cancel = new CancellationTokenSource();
        using var batch = model.StartBatch();
        var removed = batch.Add(new GenerationOptions { MaxLength = 30, Count = 3, Seed = 2 });
        var cancelled = batch.Add(new GenerationOptions { MaxLength = 30, Count = 2, Seed = 3 }, cancellationToken: cancel.Token);
        var run = batch.Add(keep);
        batch.Step();
        batch.Remove(removed);
        cancel.Cancel();
        int stepsAtCancel = cancelled.Steps;
        batch.Step();

        Assert.Equal([run], batch.Runs);
        Assert.True(removed.IsFinished && cancelled.IsFinished);
        Assert.Equal(stepsAtCancel, cancelled.Steps);
        while (!run.IsFinished) batch.Step();
        Assert.Equal(model.Generate(keep), run.Samples);
    }

    [Fact]
    public void ARunWhosePrefixFillsMaxLengthWritesNothingMoreAndEndsForLength()
    {
        var model = LineCharModel(Architecture.Lstm);
        using var batch = model.StartBatch();
        var full = batch.Add(new GenerationOptions { Prompt = "a", Prefix = "bcd", MaxLength = 3, Count = 2, Seed = 3 });
        var other = batch.Add(new GenerationOptions { Prompt = "e", MaxLength = 4, Count = 1, Seed = 3 });

        while (batch.Runs.Count > 0) batch.Step();

        Assert.Equal(["abcd", "abcd"], full.Samples);
        Assert.Equal([FinishReason.Length, FinishReason.Length], full.Finish);
        Assert.Equal(model.Generate(other.Options), other.Samples);
    }

    [Fact]
    public void ABatchRefusesMissingOrInvalidOptionsNegativeLogprobsAndRunsOnceDisposed()
    {
        var model = LineCharModel(Architecture.Gru);
        var batch = model.StartBatch();

        Assert.Throws<ArgumentNullException>(() => batch.Add(null!));
        Assert.Equal("MaxLength", Assert.Throws<ArgumentOutOfRangeException>(() => batch.Add(new GenerationOptions { MaxLength = 0 })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Add(new GenerationOptions(), logprobs: -1));
        Assert.Empty(batch.Runs);
        batch.Dispose();
        batch.Dispose();   // a second dispose gives nothing back twice
        Assert.Throws<ObjectDisposedException>(() => batch.Add(new GenerationOptions()));
        Assert.Throws<ObjectDisposedException>(batch.Step);
    }

    /// <summary>A sample's draws sit at fixed places in its run's random stream, so a sibling that stops early (here at a
    /// stop string only it writes) changes nothing in the others.</summary>
    [Fact]
    public void ASampleThatStopsEarlyLeavesItsSiblingsSamplesAsTheyWere()
    {
        var model = ContinuousCharModel("a");
        var options = new GenerationOptions { Prompt = "a", MaxLength = 40, Count = 3, Seed = 5 };
        var plain = model.Generate(options);
        string stop = Enumerable.Range(1, 30).Select(k => plain[0].Substring(k, 3)).First(p => !plain[1].Contains(p) && !plain[2].Contains(p));

        using var batch = model.StartBatch();
        var run = batch.Add(options with { Stop = [stop] });
        while (!run.IsFinished) batch.Step();

        Assert.True(run.Samples[0].Length < plain[0].Length, $"'{stop}' did not end the first sample early");
        Assert.Equal(FinishReason.Stop, run.Finish[0]);
        Assert.Equal(plain.Skip(1), run.Samples.Skip(1));
        Assert.Equal(40, run.Steps);
    }

    /// <summary>A head that all but always picks the end marker: a sample ends the first time the marker is allowed.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ALineModelEndsASampleAsSoonAsItHasMinLengthCharacters(int minLength)
    {
        var model = LineCharModel(Architecture.Lstm);
        var p = model.Network.Parameters;
        p.Value(p["head.bias"])[Array.IndexOf(Letters, "<eos>")] = 30;
        p.MarkChanged();

        var samples = model.Generate(new GenerationOptions { Prompt = "a", MinLength = minLength, MaxLength = 10, Count = 4, Seed = 2 });

        Assert.All(samples, s => Assert.Equal(1 + minLength, s.Length));
    }

    [Fact]
    public void EachCharacterReachesOnChunkAtTheStepThatWroteItNotWhenTheSampleEnds()
    {
        var model = ContinuousCharModel("a");
        var chunks = new List<SampleChunk>();
        using var batch = model.StartBatch();
        var run = batch.Add(new GenerationOptions { Prompt = "a", MaxLength = 10, Count = 2, Seed = 1 }, onChunk: chunks.Add);

        for (int step = 1; step <= 3; step++)
        {
            batch.Step();
            for (int sample = 0; sample < 2; sample++)
                Assert.Equal(run.Samples[sample][1..], string.Concat(chunks.Where(c => c.Sample == sample).Select(c => c.Text)));
            Assert.Equal(1 + step, run.Samples[0].Length);
        }
        Assert.All(chunks, c => Assert.Null(c.Finish));
    }
}
