// Two-thread GEMM:  C = Σ_u Block_u(C),  blocks u ∈ [0, Units) claimed by the caller and one persistent worker.
// Why a persistent spinning worker instead of Parallel.For: a recurrent step calls the GEMM T times per
// pass, each call only tens of microseconds long. Parallel.For costs ~7 µs per call; handing a job to a
// thread that is already spinning costs well under a microsecond. The worker spins ~0.1 ms after its
// last job (covering back-to-back GEMMs such as the weight gradients after a backward pass), then
// sleeps on a semaphore so training does not burn the second core between its big GEMMs.
using System.Diagnostics;

namespace RnnService.Engine.Kernels;

internal static unsafe class SgemmParallel
{
    private static readonly object s_gate = new();
    private static readonly SemaphoreSlim s_wake = new(0, int.MaxValue);
    private static readonly long s_spinTicks = Stopwatch.Frequency / 10_000;
    private static Thread? s_thread;

    // Job hand-off. The caller writes s_job and resets s_next, then publishes s_seq; it does not touch
    // them again until the worker has reported s_doneSeq == s_seq, so the worker's copy is never torn.
    private static GemmJob s_job;
    private static int s_next;
    private static int s_packed;      // packing blocks finished (they must all finish before any output block)
    private static int s_seq;
    private static int s_doneSeq;
    private static int s_sleeping;

    // Back-off: when the other core is busy (another process), the worker can be descheduled in the
    // middle of its block and the caller waits for it, so a step gets slower instead of faster.
    // After a call where the caller waited longer than it worked, stay single-threaded for a while.
    private static readonly long s_backoffTicks = Stopwatch.Frequency / 20;   // 50 ms
    private static long s_backoffUntil;
    private static readonly long s_minWaitTicks = Stopwatch.Frequency / 20_000;       // 50 µs

    public static bool Available => Environment.ProcessorCount >= 2;

    /// <summary>
    /// Runs all units of the job on the calling thread and the worker. Returns false (and does nothing)
    /// when the worker is busy with another caller, or asleep and !wakeAndWait; the caller then runs
    /// single-threaded. An asleep worker is woken either way, so the next call (the next time step)
    /// finds it spinning; only big jobs wait for the wake-up (tens of µs).
    /// </summary>
    public static bool TryRun(in GemmJob job, bool wakeAndWait)
    {
        if (Stopwatch.GetTimestamp() < Volatile.Read(ref s_backoffUntil)) return false;
        if (!Monitor.TryEnter(s_gate)) return false;
        try
        {
            if (s_thread is null)
            {
                s_thread = new Thread(WorkerLoop) { IsBackground = true, Name = "Sgemm worker" };
                s_thread.Start();
                return false;
            }
            if (Volatile.Read(ref s_sleeping) != 0 && !wakeAndWait)
            {
                s_wake.Release();
                return false;
            }

            s_job = job;
            s_next = 0;
            s_packed = 0;
            int seq = s_seq + 1;
            Interlocked.Exchange(ref s_seq, seq);            // full fence: job visible before seq
            if (Volatile.Read(ref s_sleeping) != 0)          // it fell asleep in between: wake it
                s_wake.Release();

            long t0 = Stopwatch.GetTimestamp();
            Drain(in job);
            long t1 = Stopwatch.GetTimestamp();

            var spin = new SpinWait();
            while (Volatile.Read(ref s_doneSeq) != seq)
                spin.SpinOnce(sleep1Threshold: -1);
            long waited = Stopwatch.GetTimestamp() - t1;
            if (waited > t1 - t0 && waited > s_minWaitTicks)
                Volatile.Write(ref s_backoffUntil, Stopwatch.GetTimestamp() + s_backoffTicks);
            return true;
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    /// <summary>Claims blocks in order: packing blocks first, so a thread that reaches the output
    /// blocks only ever waits for the other thread's last packing block.</summary>
    private static void Drain(in GemmJob job)
    {
        int u, total = job.PackUnits + job.Units;
        while ((u = Interlocked.Increment(ref s_next) - 1) < total)
        {
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
    }

    private static void WorkerLoop()
    {
        int last = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int seq;
            while ((seq = Volatile.Read(ref s_seq)) == last)
            {
                if (Stopwatch.GetTimestamp() - start < s_spinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Dekker-style: announce sleeping, then re-check; the caller publishes, then checks s_sleeping.
                Interlocked.Exchange(ref s_sleeping, 1);
                if (Volatile.Read(ref s_seq) == last)
                    s_wake.Wait();
                Interlocked.Exchange(ref s_sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
            last = seq;
            GemmJob job = s_job;
            Drain(in job);
            Volatile.Write(ref s_doneSeq, seq);
        }
    }
}
