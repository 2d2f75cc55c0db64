using RnnService.Api.Jobs;
using RnnService.Api.Training;
using RnnService.Engine.Tests.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

/// <summary>A running job's state on its replica, driven directly (no host): what the training thread hands over and
/// the progress loop writes (<see cref="EpochBuffer"/>), and why the run stops (<see cref="JobRun"/>).</summary>
public sealed class JobRunTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static JobRun NewRun() => new(new JobLease(Guid.NewGuid(), "lease-1"));

    private static JobEpoch Epoch(int n) => new() { Epoch = n, TrainLoss = 1.0 / n };

    private static TrainingCheckpoint Checkpoint(int epoch) => new()
    {
        Epoch = epoch, Config = SmallModels.ContinuousCharModel(defaultPrompt: null).Config, Weights = [], OptimizerSteps = 0,
        OptimizerState = [], RngState = [1], History = [],
    };

    [Fact]
    public void WrittenEpochsLeaveTheBufferAndThoseAddedSinceStayForTheNextWrite()
    {
        var buffer = new EpochBuffer();
        buffer.Add(Epoch(1), 20);
        buffer.Add(Epoch(2), 10);
        var written = buffer.Peek();
        buffer.Add(Epoch(3), 5);

        buffer.Remove(written.Epochs.Count, written.Checkpoint);

        var (epochs, eta, checkpoint) = buffer.Peek();
        Assert.Equal([3], epochs.Select(e => e.Epoch));
        Assert.Equal(5, eta);
        Assert.Null(checkpoint);
    }

    [Fact]
    public void AWrittenCheckpointLeavesTheBufferButANewerOneHandedOverMeanwhileStays()
    {
        var buffer = new EpochBuffer();
        var first = Checkpoint(1);
        buffer.SetCheckpoint(first);
        var written = buffer.Peek().Checkpoint;
        var second = Checkpoint(2);
        buffer.SetCheckpoint(second);

        buffer.Remove(0, written);
        Assert.True(buffer.HasCheckpoint);
        Assert.Same(second, buffer.Peek().Checkpoint);

        buffer.Remove(0, second);
        Assert.False(buffer.HasCheckpoint);
    }

    [Fact]
    public void ALostLeaseStopsTheRunAtOnceAndEndsItsProgressLoop()
    {
        using var run = NewRun();

        Assert.False(run.Apply(StopRequest.LeaseLost, TimeSpan.FromMinutes(1)));
        Assert.True(run.LeaseLost);
        Assert.True(run.Token.IsCancellationRequested);
        Assert.False(run.CancelRequested);
    }

    [Fact]
    public void ACancelStopsTheRunAndARungReachedAfterItDoesNotTurnItIntoAPause()
    {
        using var run = NewRun();
        Assert.True(run.Apply(StopRequest.Cancel, TimeSpan.FromMinutes(1)));
        Assert.True(run.CancelRequested);
        Assert.True(run.Token.IsCancellationRequested);

        run.PauseAtRung();
        Assert.False(run.PauseRequested);
        Assert.False(run.StopRequested);
    }

    [Fact]
    public async Task APauseAsksForACheckpointAndStopsTrainingOnceItsGraceHasPassed()
    {
        using var run = NewRun();
        Assert.True(run.Apply(StopRequest.Pause, TimeSpan.FromMilliseconds(50)));

        Assert.True(run.PauseRequested);
        Assert.True(run.StopRequested);
        await Poll.UntilAsync(() => run.Token.IsCancellationRequested, Deadline, "the pause's grace to stop training");
    }

    [Fact]
    public async Task CheckNowEndsTheProgressLoopsWaitAtOnceAndASecondCallWhileOneIsDueIsHarmless()
    {
        using var run = NewRun();
        var wait = run.WaitForNextCheckAsync(TimeSpan.FromHours(1), default);
        Assert.False(wait.IsCompleted);

        // The wait's own interval is an hour: ending within the deadline is CheckNow's doing.
        run.CheckNow();
        await wait.WaitAsync(Deadline);
        run.CheckNow();
        run.CheckNow();
        await run.WaitForNextCheckAsync(TimeSpan.FromHours(1), default).WaitAsync(Deadline);
    }
}
