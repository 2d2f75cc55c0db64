using RnnService.Api.Training;
using RnnService.Engine.Training;

namespace RnnService.Api.Tests;

public class TrainingThreadsTests
{
    [Fact]
    public async Task A_job_started_after_another_ends_runs_on_the_same_thread()
    {
        using var threads = new TrainingThreads();
        var first = await threads.RunAsync(() => Environment.CurrentManagedThreadId);
        var second = await threads.RunAsync(() => Environment.CurrentManagedThreadId);
        Assert.Equal(first, second);
        Assert.StartsWith("training-", await threads.RunAsync(() => Thread.CurrentThread.Name));
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
}
