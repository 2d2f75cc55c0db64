// One persistent helper thread (of the GEMM pool, or StepTeam's partner): spins on its own posted sequence
// number, runs the posted job, reports the sequence done, and sleeps on its own semaphore after a short idle spin.
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

internal sealed class SgemmWorker
{
    private readonly int _slot;
    private readonly long _spinTicks;
    private readonly Action<int> _run;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private int _posted;
    private int _done;
    private int _sleeping;

    public SgemmWorker(int slot, long spinTicks, Action<int> run, string? name = null)
    {
        _slot = slot;
        _spinTicks = spinTicks;
        _run = run;
        new Thread(Loop) { IsBackground = true, Name = name ?? $"Sgemm worker {slot}" }.Start();
    }

    public bool IsAsleep => Volatile.Read(ref _sleeping) != 0;

    public bool IsDone(int seq) => Volatile.Read(ref _done) == seq;

    /// <summary>Publishes a job (already written by the caller) under sequence number seq.</summary>
    public void Post(int seq)
    {
        Interlocked.Exchange(ref _posted, seq);      // full fence: the job is visible before seq
        if (Volatile.Read(ref _sleeping) != 0)       // it fell asleep in between: wake it
            _wake.Release();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop()
    {
        int last = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int seq;
            while ((seq = Volatile.Read(ref _posted)) == last)
            {
                if (Stopwatch.GetTimestamp() - start < _spinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Dekker-style: announce sleeping, then re-check; Post publishes, then checks _sleeping.
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _posted) == last)
                    _wake.Wait();
                Interlocked.Exchange(ref _sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
            last = seq;
            _run(_slot);
            Volatile.Write(ref _done, seq);
        }
    }
}
