// SgemmWorker, the persistent thread under the GEMM pool and StepTeam's partner: it runs each posted job once, on one
// background thread named after its slot (or the name given), and is awake while it works and asleep after its idle
// spin. The workers made here sleep on their semaphores until the test
// process ends (background threads, as the pool's).
using System.Collections.Concurrent;
using System.Diagnostics;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Tests.Kernels;

public class SgemmWorkerTests
{
    [Fact]
    public void AWorkerRunsEachPostedJobOnceOnOneBackgroundThreadNamedAfterItsSlot()
    {
        var ran = new ConcurrentQueue<(int Slot, Thread Thread)>();
        var worker = new SgemmWorker(3, spinTicks: 0, slot => ran.Enqueue((slot, Thread.CurrentThread)));
        for (int seq = 1; seq <= 3; seq++)
        {
            worker.Post(seq);
            WaitUntil(() => worker.IsDone(seq), $"done with job {seq}");
        }
        Assert.Equal(new[] { 3, 3, 3 }, ran.Select(r => r.Slot).ToArray());
        var thread = Assert.Single(ran.Select(r => r.Thread).Distinct());
        Assert.True(thread.IsBackground);   // a foreground worker would keep the process alive after Main
        Assert.Equal("Sgemm worker 3", thread.Name);
    }

    [Fact]
    public void AWorkerGivenANameRunsOnAThreadOfThatName()
    {
        Thread? thread = null;
        var worker = new SgemmWorker(1, spinTicks: 0, _ => thread = Thread.CurrentThread, "Recurrent step partner");
        worker.Post(1);
        WaitUntil(() => worker.IsDone(1), "done with job 1");
        Assert.Equal("Recurrent step partner", thread!.Name);
    }

    [Fact]
    public void AWorkerIsAwakeWhileItRunsAJobAndAsleepAfterItsIdleSpin()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var worker = new SgemmWorker(1, spinTicks: 0, _ => { started.Set(); release.Wait(); });
        WaitUntil(() => worker.IsAsleep, "asleep before any job");
        worker.Post(1);
        Assert.True(started.Wait(TimeSpan.FromSeconds(20)), "the posted job did not start");
        Assert.False(worker.IsAsleep);
        release.Set();
        WaitUntil(() => worker.IsDone(1), "done with job 1");
        WaitUntil(() => worker.IsAsleep, "asleep after the job");
    }

    /// <summary>Bounded only so that a worker that never gets there fails the test instead of hanging it.</summary>
    private static void WaitUntil(Func<bool> condition, string what)
    {
        long deadline = Stopwatch.GetTimestamp() + 20 * Stopwatch.Frequency;
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the worker was not {what} within 20 s");
            Thread.Yield();
        }
    }
}
