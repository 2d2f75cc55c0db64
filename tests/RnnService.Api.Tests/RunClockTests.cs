using RnnService.Api.Training;

namespace RnnService.Api.Tests;

/// <summary>A run's timing on its training thread (no host): the time-left estimate shown on GET /jobs/{id}, and when a
/// checkpoint is due.</summary>
public sealed class RunClockTests
{
    /// <summary>Time that moves only when the test says.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    [Fact]
    public void TheTimeLeftIsTheMeanEpochSoFarTimesTheEpochsLeft()
    {
        var clock = new RunClock(totalEpochs: 10, TimeSpan.FromMinutes(1), new ManualTime());

        Assert.Equal(18.0, clock.EpochFinished(1, 2.0));  // 2 s × 9 left
        Assert.Equal(24.0, clock.EpochFinished(2, 4.0));  // (2 + 4) / 2 = 3 s × 8 left
        Assert.Equal(2.0, clock.EpochFinished(9, 0.01));  // 6.01 / 3 = 2.0033 s × 1 left, to a tenth
        Assert.Equal(0.0, clock.EpochFinished(10, 1.0));
    }

    [Fact]
    public void AResumedRunTimesOnlyItsOwnEpochsAndTheEstimateIsNeverNegative()
    {
        var clock = new RunClock(totalEpochs: 10, TimeSpan.FromMinutes(1), new ManualTime());

        Assert.Equal(15.0, clock.EpochFinished(7, 5.0)); // the first epoch this run trained: 5 s × 3 left
        Assert.Equal(0.0, clock.EpochFinished(12, 5.0));
    }

    [Fact]
    public void ACheckpointIsDueOnceTheIntervalHasPassedSinceTheLastOne()
    {
        var time = new ManualTime();
        var clock = new RunClock(totalEpochs: 10, TimeSpan.FromSeconds(30), time);

        time.Advance(TimeSpan.FromSeconds(29.9));
        Assert.False(clock.CheckpointDue(stopping: false));
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(clock.CheckpointDue(stopping: false)); // exactly the interval

        clock.CheckpointTaken();
        Assert.False(clock.CheckpointDue(stopping: false));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(clock.CheckpointDue(stopping: false));
    }

    [Fact]
    public void AStoppingRunHasItsCheckpointAtOnce()
    {
        var time = new ManualTime();
        var clock = new RunClock(totalEpochs: 10, TimeSpan.FromHours(1), time);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(clock.CheckpointDue(stopping: true));
        Assert.False(clock.CheckpointDue(stopping: false));
    }

    [Fact]
    public void AZeroIntervalMakesEveryEpochACheckpoint()
    {
        var clock = new RunClock(totalEpochs: 10, TimeSpan.Zero, new ManualTime());

        Assert.True(clock.CheckpointDue(stopping: false));
        clock.CheckpointTaken();
        Assert.True(clock.CheckpointDue(stopping: false));
    }
}
