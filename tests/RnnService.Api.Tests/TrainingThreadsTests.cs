using RnnService.Api.Training;
using RnnService.Engine.Kernels;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

public class TrainingThreadsTests
{
    [Fact]
    public async Task Jobs_one_after_another_run_on_one_thread_and_start_no_other()
    {
        using var threads = new TrainingThreads();
        var first = await threads.RunAsync(() => Environment.CurrentManagedThreadId);
        var second = await threads.RunAsync(() => Environment.CurrentManagedThreadId);
        Assert.Equal(first, second);
        Assert.StartsWith("training-", await threads.RunAsync(() => Thread.CurrentThread.Name));
        Assert.Equal(1, threads.ThreadsStarted);
    }

    [Fact]
    public async Task Jobs_running_at_the_same_time_get_a_thread_each_also_beside_a_thread_that_is_reused()
    {
        using var threads = new TrainingThreads();
        await threads.RunAsync(() => 0); // its thread waits, idle, for the first of the two
        using var bothStarted = new CountdownEvent(2);
        int Work()
        {
            bothStarted.Signal();
            // Each job waits for the other: with one shared thread the first would wait forever. The bound only
            // turns that hang into a failure; it is not a duration the test expects.
            Assert.True(bothStarted.Wait(TimeSpan.FromMinutes(2)), "the other job never started beside this one");
            return Environment.CurrentManagedThreadId;
        }
        var ids = await Task.WhenAll(threads.RunAsync(Work), threads.RunAsync(Work));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task A_failing_job_rethrows_its_own_exception_and_frees_its_thread()
    {
        using var threads = new TrainingThreads();
        var diverged = await Assert.ThrowsAsync<TrainingDivergedException>(() =>
            threads.RunAsync<int>(() => throw new TrainingDivergedException("loss is NaN at epoch 3.")));
        Assert.Equal("loss is NaN at epoch 3.", diverged.Message);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => threads.RunAsync(() =>
        {
            cancel.Token.ThrowIfCancellationRequested();
            return 0;
        }));
        Assert.Equal(42, await threads.RunAsync(() => 42));
    }

    [Fact]
    public async Task A_reused_thread_starts_without_the_GEMM_scratch_of_the_job_before()
    {
        // The scratch grows to a job's largest product and would stay with the thread for the next, smaller job.
        const int n = 256;
        const long scratchBytes = 2L * n * n * sizeof(float); // packed A and packed B
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        long Multiply()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Sgemm.Multiply(false, false, n, n, n, a, n, b, n, c, n, accumulate: false);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        using var threads = new TrainingThreads();

        var withinOneJob = await threads.RunAsync(() => (Multiply(), Multiply()));
        var nextJob = await threads.RunAsync(Multiply);

        Assert.True(withinOneJob.Item1 >= scratchBytes, $"first product allocated {withinOneJob.Item1} bytes");
        Assert.True(withinOneJob.Item2 < scratchBytes / 8, $"the same job's second product allocated {withinOneJob.Item2} bytes");
        Assert.True(nextJob >= scratchBytes, $"the next job's product allocated {nextJob} bytes: the scratch was kept");
    }
}
