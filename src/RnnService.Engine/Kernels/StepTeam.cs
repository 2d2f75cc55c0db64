// A recurrent time loop shared by the calling thread and one persistent partner thread.
// The rows of a batch are independent sequences: row r's step t needs only row r's step t − 1. So the loop is
// cut by rows, not by steps: each work item is a range of rows carried through every step (forward or
// backward), and the two threads need no barrier between steps at all; the only synchronisation is one
// ticket counter per loop and one hand-off per sequence (the loop is posted once, not once per step).
// When the partner is late (asleep, or its core busy with another process) the caller claims every item
// itself; it only ever waits for an item the partner has already started, and after a loop where it waited
// more than it worked it runs alone for a while (back-off).
// Each item is computed entirely by one thread with the same operations, so the result is the same
// whichever thread ran it.
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

/// <summary>The work of one time loop: RunItem(item) for items 0..items−1, independent of one another.</summary>
internal interface IStepWork
{
    void RunItem(int item);
}

internal sealed class StepTeam
{
    /// <summary>The process-wide team (one partner thread); a loop that finds it busy runs alone.</summary>
    public static readonly StepTeam Shared = new();

    private static readonly long s_idleSpinTicks = Stopwatch.Frequency / 10_000;   // 0.1 ms, then sleep

    private readonly object _gate = new();
    private SgemmWorker? _partner;
    private int _seq;

    // The posted loop; written by the caller before posting, untouched until the partner reports it done.
    private IStepWork? _work;
    private int _items;
    private int _nextTicket;
    private bool _partnerFirst;     // force: item 0 is the partner's, so a test sees both threads work

    /// <summary>Items the partner ran in this thread's last loop (tests read it to prove both threads worked).</summary>
    [ThreadStatic] internal static int t_partnerItems;
    private int _partnerItems;

    // Back-off: when the other core is busy (another process, or /predict while a job trains) the partner is
    // preempted in the middle of its item and the caller waits for it, so a loop gets slower instead of faster.
    // After such a wait, run alone for a while: 5 ms after a lone preemption (an idle machine has a few a second),
    // twice as long each time another follows soon after, up to half a second, since on a busy machine the next
    // loops would mostly wait again (at load average 25, W4's forward measured 0.54x ONNX Runtime's one-thread time
    // with a fixed 50 ms back-off).
    private static readonly long s_minBackoffTicks = Stopwatch.Frequency / 200;       // 5 ms
    private static readonly long s_maxBackoffTicks = Stopwatch.Frequency / 2;         // 500 ms
    private long _backoffTicks = s_minBackoffTicks;
    private static readonly long s_minWaitTicks = Stopwatch.Frequency / 4_000;        // 250 µs: preemption is milliseconds
    private long _backoffUntil;

    /// <summary>
    /// Runs items work items. usePartner false, the team busy with another caller, or backing off: everything
    /// on the calling thread. force (tests): wait for the team, ignore the back-off, and leave item 0 to the partner.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IStepWork work, int items, bool usePartner, bool force = false)
    {
        t_partnerItems = 0;
        // An item that runs a loop of its own (a product in halves inside a step) runs that one alone: the gate is
        // reentrant, and the team is already busy with the outer loop.
        bool alone = !usePartner || (!force && Stopwatch.GetTimestamp() < Volatile.Read(ref _backoffUntil))
            || Monitor.IsEntered(_gate);
        if (!alone)
        {
            if (force) Monitor.Enter(_gate);
            else alone = !Monitor.TryEnter(_gate);
        }
        if (alone)
        {
            for (int i = 0; i < items; i++) work.RunItem(i);
            return;
        }
        try
        {
            _partner ??= new SgemmWorker(1, s_idleSpinTicks, _ => _partnerItems = PartnerDrain(), "Recurrent step partner");
            _work = work;
            _items = items;
            _partnerFirst = force;
            _nextTicket = force ? 1 : 0;
            _partnerItems = 0;
            int seq = ++_seq;
            bool woken = _partner.IsAsleep;
            _partner.Post(seq);     // full fence: the loop is visible first; wakes the partner if it sleeps

            long t0 = Stopwatch.GetTimestamp();
            Drain();
            long t1 = Stopwatch.GetTimestamp();
            var spin = new SpinWait();
            while (!_partner.IsDone(seq)) spin.SpinOnce(sleep1Threshold: -1);
            long t2 = Stopwatch.GetTimestamp();
            long waited = t2 - t1;
            if (!force && Preempted(woken, worked: t1 - t0, waited))
            {
                _backoffTicks = NextBackoffTicks(t2, _backoffUntil, _backoffTicks);
                Volatile.Write(ref _backoffUntil, t2 + _backoffTicks);
            }
            t_partnerItems = _partnerItems;
            _work = null;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>
    /// Whether the partner was preempted mid-item: the caller waited longer than its own work took, and longer than a
    /// wake-up or a slow start could explain. The loop that woke the partner is not judged: the loop after a back-off
    /// always finds it asleep, and judging that loop kept an idle machine on one core (a B = 16 generation step at
    /// H = 512 took 215 µs against 152 on two cores).
    /// </summary>
    internal static bool Preempted(bool woken, long worked, long waited) => !woken && waited > s_minWaitTicks && waited > worked;

    /// <summary>The next back-off: twice the last while back-offs follow soon after one another (the other core is still
    /// busy), up to the maximum; the minimum after a quiet spell.</summary>
    internal static long NextBackoffTicks(long now, long lastUntil, long lastTicks) =>
        now - lastUntil < 4 * lastTicks ? Math.Min(2 * lastTicks, s_maxBackoffTicks) : s_minBackoffTicks;

    internal static long MinBackoffTicks => s_minBackoffTicks;
    internal static long MaxBackoffTicks => s_maxBackoffTicks;

    private int PartnerDrain()
    {
        if (_partnerFirst) _work!.RunItem(0);
        return (_partnerFirst ? 1 : 0) + Drain();
    }

    /// <summary>Claims items until none is left; returns how many this thread ran.</summary>
    private int Drain()
    {
        var work = _work!;
        int items = _items, ran = 0;
        for (int q = Interlocked.Increment(ref _nextTicket) - 1; q < items; q = Interlocked.Increment(ref _nextTicket) - 1)
        {
            work.RunItem(q);
            ran++;
        }
        return ran;
    }
}
