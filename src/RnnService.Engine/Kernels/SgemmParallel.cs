// Pooled GEMM:  C = Σ_u Block_u(C),  blocks u ∈ [0, Units) claimed by the caller and up to
// EngineThreads.Count − 1 persistent workers.
// Why persistent spinning workers instead of Parallel.For: a recurrent pass calls the GEMM many times,
// each call a fraction of a millisecond. Parallel.For costs ~7 µs per call; handing a job to threads
// that are already spinning costs well under a microsecond. A worker spins ~0.1 ms after its last job
// (covering back-to-back GEMMs such as the weight gradients after a backward pass), then sleeps on its
// own semaphore so training does not burn idle cores between its big GEMMs.
// Each output block is computed entirely by one thread with the same FMA chain, so the result is
// bit-identical for any thread count.
using System.Diagnostics;

namespace RnnService.Engine.Kernels;

internal static unsafe class SgemmParallel
{
    private static readonly object s_gate = new();
    private static readonly long s_spinTicks = Stopwatch.Frequency / 10_000;
    private static SgemmWorker[] s_workers = [];

    // Job hand-off. The caller writes s_job, s_next, s_packed and s_helpers, then publishes a new
    // sequence number to each helper; it does not touch them again until every helper has reported
    // that sequence done, so a helper's copy is never torn.
    private static GemmJob s_job;
    private static int s_next;
    private static int s_packed;      // packing blocks finished (they must all finish before any output block)
    private static int s_helpers;
    private static bool s_roundRobin;
    private static int s_seq;
    private static int s_participants;

    // Back-off: when the other cores are busy (another process), a worker can be descheduled in the
    // middle of its block and the caller waits for it, so a step gets slower instead of faster.
    // After a call where the caller waited longer than it worked, stay single-threaded for a while.
    private static readonly long s_backoffTicks = Stopwatch.Frequency / 20;   // 50 ms
    private static long s_backoffUntil;
    private static readonly long s_minWaitTicks = Stopwatch.Frequency / 20_000;       // 50 µs

    /// <summary>Threads (the caller included) that ran at least one block of the last job this thread
    /// handed to the pool; 1 after a call that ran on the calling thread alone. Tests read it to prove
    /// that the parallel path ran.</summary>
    [ThreadStatic] internal static int t_lastThreads;

    /// <summary>
    /// Runs all units of the job on the calling thread and up to threads − 1 workers. Returns false (and
    /// does nothing) when the pool is busy with another caller or backing off; the caller then runs
    /// single-threaded. Asleep workers are woken and waited for (tens of µs): only jobs above
    /// Sgemm.ParallelFlops (≥ 0.3 ms of one core) come here.
    /// force: wait for the pool, ignore the back-off and hand out blocks round-robin, so every one of
    /// the threads runs at least one block (tests use it to check a given thread count).
    /// </summary>
    public static bool TryRun(in GemmJob job, int threads, bool force = false)
    {
        int helpers = Math.Min(threads, job.PackUnits + job.Units) - 1;
        if (helpers < 1) return false;
        if (!force && Stopwatch.GetTimestamp() < Volatile.Read(ref s_backoffUntil)) return false;
        if (force) Monitor.Enter(s_gate);
        else if (!Monitor.TryEnter(s_gate)) return false;
        try
        {
            EnsureWorkers(helpers);

            s_job = job;
            s_next = 0;
            s_packed = 0;
            s_helpers = helpers;
            s_roundRobin = force;
            s_participants = 0;
            int seq = ++s_seq;
            for (int w = 0; w < helpers; w++) s_workers[w].Post(seq);   // full fence per post: job visible first

            long t0 = Stopwatch.GetTimestamp();
            Drain(in job, 0);
            long t1 = Stopwatch.GetTimestamp();

            var spin = new SpinWait();
            for (int w = 0; w < helpers; w++)
                while (!s_workers[w].IsDone(seq)) spin.SpinOnce(sleep1Threshold: -1);
            long waited = Stopwatch.GetTimestamp() - t1;
            if (!force && waited > t1 - t0 && waited > s_minWaitTicks)
                Volatile.Write(ref s_backoffUntil, Stopwatch.GetTimestamp() + s_backoffTicks);
            t_lastThreads = Volatile.Read(ref s_participants);
            return true;
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (s_workers.Length >= count) return;
        var grown = new SgemmWorker[count];
        Array.Copy(s_workers, grown, s_workers.Length);
        for (int w = s_workers.Length; w < count; w++) grown[w] = new SgemmWorker(w + 1, s_spinTicks, RunPosted);
        s_workers = grown;
    }

    /// <summary>Called on worker `slot` (1-based) for a posted sequence number.</summary>
    private static void RunPosted(int slot)
    {
        GemmJob job = s_job;
        Drain(in job, slot);
    }

    /// <summary>Claims blocks in order: packing blocks first, so a thread that reaches the output
    /// blocks only ever waits for another thread's last packing block. Round-robin mode gives thread
    /// `slot` the blocks u ≡ slot (mod helpers + 1) instead of claiming dynamically.</summary>
    private static void Drain(in GemmJob job, int slot)
    {
        int total = job.PackUnits + job.Units, ran = 0;
        int stride = s_helpers + 1;
        bool roundRobin = s_roundRobin;
        for (int u = roundRobin ? slot : Interlocked.Increment(ref s_next) - 1; u < total;
             u = roundRobin ? u + stride : Interlocked.Increment(ref s_next) - 1)
        {
            ran++;
            if (u < job.PackUnits)
            {
                Sgemm.RunPackUnit(in job, u);
                Interlocked.Increment(ref s_packed);
                continue;
            }
            if (Volatile.Read(ref s_packed) < job.PackUnits)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref s_packed) < job.PackUnits) spin.SpinOnce(sleep1Threshold: -1);
            }
            Sgemm.RunUnit(in job, u - job.PackUnits);
        }
        if (ran > 0) Interlocked.Increment(ref s_participants);
    }
}
