// A whole time loop shared by the calling thread and one persistent partner thread.
// Each step is cut into Items work items (row groups × hidden-unit blocks) that both threads claim
// from one ticket counter: ticket q is item q mod Items of step q / Items. Before running an item of
// step s, a thread waits until every item of step s − 1 is done (a counter of finished items), so the
// barrier between steps is one shared counter read, with no hand-off per step. The loop is posted to the
// partner once per sequence, not once per step.
// When the partner is late (asleep, or its core busy with another process) the caller simply claims
// every ticket itself; it only ever waits for an item the partner has already started.
// Each item is computed entirely by one thread with the same operations, so the result is the same
// whichever thread ran it.
using System.Diagnostics;

namespace RnnService.Engine.Kernels;

/// <summary>The work of one time loop: RunItem(step, item) for items 0..Items−1 of each step, steps in order.</summary>
internal interface IStepWork
{
    void RunItem(int step, int item);
}

internal sealed class StepTeam
{
    /// <summary>The process-wide team (one partner thread); a loop that finds it busy runs alone.</summary>
    public static readonly StepTeam Shared = new();

    private static readonly long s_idleSpinTicks = Stopwatch.Frequency / 10_000;   // 0.1 ms, then sleep

    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private Thread? _partner;
    private int _sleeping;
    private int _posted, _finished;

    // The posted loop; written by the caller before _posted, untouched until the partner reports _finished.
    private IStepWork? _work;
    private int _items, _total;
    private int _nextTicket, _doneItems;

    /// <summary>Items the partner ran in this thread's last loop (tests read it to prove both threads worked).</summary>
    [ThreadStatic] internal static int t_partnerItems;
    private int _partnerItems;

    /// <summary>
    /// Runs steps × items work items in step order. usePartner false, or the team busy with another
    /// caller: everything on the calling thread.
    /// </summary>
    public void Run(IStepWork work, int steps, int items, bool usePartner)
    {
        t_partnerItems = 0;
        if (!usePartner || !Monitor.TryEnter(_gate))
        {
            for (int s = 0; s < steps; s++)
                for (int i = 0; i < items; i++) work.RunItem(s, i);
            return;
        }
        try
        {
            EnsurePartner();
            _work = work;
            _items = items;
            _total = steps * items;
            _nextTicket = 0;
            _doneItems = 0;
            _partnerItems = 0;
            int seq = _posted + 1;
            Interlocked.Exchange(ref _posted, seq);     // full fence: the loop is visible before seq
            if (Volatile.Read(ref _sleeping) != 0) _wake.Release();

            Drain();
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) != seq) spin.SpinOnce(sleep1Threshold: -1);
            t_partnerItems = _partnerItems;
            _work = null;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Claims tickets until none is left; returns how many items this thread ran.</summary>
    private int Drain()
    {
        var work = _work!;
        int items = _items, total = _total, ran = 0;
        for (int q = Interlocked.Increment(ref _nextTicket) - 1; q < total; q = Interlocked.Increment(ref _nextTicket) - 1)
        {
            int step = q / items;
            int needed = step * items;   // every item of the previous step
            if (Volatile.Read(ref _doneItems) < needed)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref _doneItems) < needed) spin.SpinOnce(sleep1Threshold: -1);
            }
            work.RunItem(step, q - needed);
            Interlocked.Increment(ref _doneItems);
            ran++;
        }
        return ran;
    }

    private void EnsurePartner()
    {
        if (_partner != null) return;
        _partner = new Thread(PartnerLoop) { IsBackground = true, Name = "Recurrent step partner" };
        _partner.Start();
    }

    private void PartnerLoop()
    {
        int last = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int seq;
            while ((seq = Volatile.Read(ref _posted)) == last)
            {
                if (Stopwatch.GetTimestamp() - start < s_idleSpinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Announce sleeping, then re-check: Run publishes, then checks _sleeping.
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _posted) == last) _wake.Wait();
                Interlocked.Exchange(ref _sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
            last = seq;
            _partnerItems = Drain();
            Volatile.Write(ref _finished, seq);
        }
    }
}
