// StepTeam: which items of a loop run where (every item once; item 0 on the partner when forced; the partner's count;
// one named background partner for every loop; a loop told to run alone does), on a team of the test's own so the
// fused-step tests' loops on the shared team do not interfere; and the back-off rule: when a loop's wait means the
// partner was preempted, and how long the caller then runs alone.
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
    public void AWaitNoLongerThanTheCallersWorkOrThanAQuarterMillisecondIsNoPreemption()
    {
        Assert.False(StepTeam.Preempted(woken: false, worked: Ms(3), waited: Ms(2)));     // the partner's share was larger
        Assert.False(StepTeam.Preempted(woken: false, worked: Ms(1), waited: Ms(1)));     // as long as the caller's own
        Assert.False(StepTeam.Preempted(woken: false, worked: Ms(0.05), waited: Ms(0.2))); // a slow start, not a preemption
        Assert.False(StepTeam.Preempted(woken: false, worked: 0, waited: Ms(0.25)));       // exactly a quarter millisecond
    }

    [Fact]
    public void BackOffsStartAtFiveMillisecondsDoubleWhileTheyFollowOneAnotherUpToHalfASecondAndStartOverAfterAQuietSpell()
    {
        long min = Ms(5), max = Ms(500), now = Ms(10_000);
        Assert.Equal((min, max), (StepTeam.MinBackoffTicks, StepTeam.MaxBackoffTicks));
        Assert.Equal(min, StepTeam.NextBackoffTicks(now, lastUntil: 0, lastTicks: min));           // the first
        Assert.Equal(2 * min, StepTeam.NextBackoffTicks(now, lastUntil: now - min, lastTicks: min)); // soon after the last ended
        Assert.Equal(max, StepTeam.NextBackoffTicks(now, now - Ms(100), max));
        Assert.Equal(max, StepTeam.NextBackoffTicks(now, now - Ms(100), Ms(300)));                  // 600 ms capped
        Assert.Equal(min, StepTeam.NextBackoffTicks(now, lastUntil: now - 4 * Ms(40), lastTicks: Ms(40)));   // a quiet spell
    }

    [Fact]
    public void AForcedLoopRunsEveryItemOnceWithItemZeroOnThePartnerAndTheCallerRunningItsShare()
    {
        var team = new StepTeam();
        for (int loop = 0; loop < 3; loop++)
        {
            var work = new RecordingWork(items: 16, itemMs: 1);
            team.Run(work, 16, usePartner: true, force: true);
            Assert.All(work.Runs, runs => Assert.Equal(1, runs));
            Assert.NotEqual(Environment.CurrentManagedThreadId, work.Threads[0]!.ManagedThreadId);
            int partnerItems = work.Threads.Count(t => t!.ManagedThreadId != Environment.CurrentManagedThreadId);
            Assert.Equal(partnerItems, StepTeam.t_partnerItems);
            Assert.InRange(partnerItems, 1, 15);   // 16 items of 1 ms: the caller takes item 1 while the partner runs item 0
        }
    }

    [Fact]
    public void ThePartnerIsOneBackgroundThreadNamedRecurrentStepPartnerForEveryLoopOfATeam()
    {
        var team = new StepTeam();
        var partners = new List<Thread>();
        for (int loop = 0; loop < 3; loop++)
        {
            var work = new RecordingWork(items: 2, itemMs: 0);
            team.Run(work, 2, usePartner: true, force: true);
            partners.Add(work.Threads[0]!);
        }
        Assert.Single(partners.Distinct());
        Assert.True(partners[0].IsBackground);   // a foreground partner would keep the process alive after Main
        Assert.Equal("Recurrent step partner", partners[0].Name);
    }

    [Fact]
    public void AnUnforcedLoopRunsEveryItemOnceAndCountsWhatThePartnerRan()
    {
        // Training's loops (RecurrentLayer.UsePartner without a forced setting). A loop may run alone (a back-off after
        // a preempted partner), so the partner has to have run items in some of the 20, not in each.
        var team = new StepTeam();
        int loopsWithThePartner = 0;
        for (int loop = 0; loop < 20; loop++)
        {
            var work = new RecordingWork(items: 16, itemMs: 0.2);
            team.Run(work, 16, usePartner: true);
            Assert.All(work.Runs, runs => Assert.Equal(1, runs));
            int partnerItems = work.Threads.Count(t => t!.ManagedThreadId != Environment.CurrentManagedThreadId);
            Assert.Equal(partnerItems, StepTeam.t_partnerItems);
            if (partnerItems > 0) loopsWithThePartner++;
        }
        Assert.True(loopsWithThePartner > 0, "the partner ran no item in 20 loops");
    }

    [Fact]
    public void ALoopNotToUseThePartnerRunsEveryItemOnTheCallingThread()
    {
        var team = new StepTeam();
        team.Run(new RecordingWork(items: 2, itemMs: 0), 2, usePartner: true, force: true);   // the partner is up and spinning
        for (int loop = 0; loop < 5; loop++)
        {
            var work = new RecordingWork(items: 16, itemMs: 0.2);
            team.Run(work, 16, usePartner: false);
            Assert.All(work.Runs, runs => Assert.Equal(1, runs));
            Assert.All(work.Threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t!.ManagedThreadId));
            Assert.Equal(0, StepTeam.t_partnerItems);
        }
    }

    [Fact]
    public void ALoopOnAnotherThreadGetsThePartnerAfterThisThreadsLoopEnded()
    {
        // A team is shared by the threads of a process (training, /predict): a loop must give the team back when it ends.
        var team = new StepTeam();
        team.Run(new RecordingWork(items: 2, itemMs: 0), 2, usePartner: true, force: true);
        var work = new RecordingWork(items: 2, itemMs: 0);
        var other = new Thread(() => team.Run(work, 2, usePartner: true, force: true)) { IsBackground = true };
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(20)), "the other thread's loop still waits for the team after 20 s");
        Assert.All(work.Runs, runs => Assert.Equal(1, runs));
    }

    /// <summary>Items that take itemMs each (a busy wait, as a time step's arithmetic) and record how often and where they ran.</summary>
    private sealed class RecordingWork(int items, double itemMs) : IStepWork
    {
        public int[] Runs { get; } = new int[items];
        public Thread?[] Threads { get; } = new Thread?[items];

        public void RunItem(int item)
        {
            Interlocked.Increment(ref Runs[item]);
            Threads[item] = Thread.CurrentThread;
            long until = Stopwatch.GetTimestamp() + Ms(itemMs);
            while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
        }
    }
}
