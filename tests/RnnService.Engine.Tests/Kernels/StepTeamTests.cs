// StepTeam's back-off rule: when a loop's wait means the partner was preempted, and how long the caller then runs alone.
using System.Diagnostics;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class StepTeamTests
{
    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    [Fact]
    public void AWaitOfMillisecondsLongerThanTheCallersWorkIsAPreemption() =>
        Assert.True(StepTeam.Preempted(woken: false, worked: Ms(0.1), waited: Ms(2)));

    [Fact]
    public void ALoopThatWokeThePartnerIsNotJudgedHoweverLongItWaited() =>
        Assert.False(StepTeam.Preempted(woken: true, worked: Ms(0.1), waited: Ms(2)));

    [Fact]
    public void AWaitShorterThanTheCallersWorkOrThanAQuarterMillisecondIsNoPreemption()
    {
        Assert.False(StepTeam.Preempted(woken: false, worked: Ms(3), waited: Ms(2)));     // the partner's share was larger
        Assert.False(StepTeam.Preempted(woken: false, worked: Ms(0.05), waited: Ms(0.2))); // a slow start, not a preemption
    }

    [Fact]
    public void BackOffsDoubleWhileTheyFollowOneAnotherUpToTheMaximumAndStartOverAfterAQuietSpell()
    {
        long min = StepTeam.MinBackoffTicks, now = Ms(10_000);
        Assert.Equal(min, StepTeam.NextBackoffTicks(now, lastUntil: 0, lastTicks: min));           // the first
        Assert.Equal(2 * min, StepTeam.NextBackoffTicks(now, lastUntil: now - min, lastTicks: min)); // soon after the last ended
        Assert.Equal(StepTeam.MaxBackoffTicks, StepTeam.NextBackoffTicks(now, now - Ms(100), StepTeam.MaxBackoffTicks));
        Assert.Equal(min, StepTeam.NextBackoffTicks(now, lastUntil: now - 4 * Ms(40), lastTicks: Ms(40)));   // a quiet spell
    }
}
