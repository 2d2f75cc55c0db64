// A mid-size product over packed weights (the shape of a recurrent step's h·W_hhᵀ at W4: 32×512×128, 4 MFLOP, about
// 20 µs of one core) cut into two halves, one run by the calling thread and one by StepTeam's partner. The engine's
// time loops fuse their steps and split them by rows themselves; a Linear layer or an input projection of this size,
// or any caller of Multiply with a PackedMatrix, comes here.
// Why two fixed halves, and not the pool's blocks: on this 2-core machine a cache line that one core writes after the
// other core read or wrote it costs about 10 ns (docs/benchmarks.md, `cores`). The pool hands out small blocks to
// whichever thread claims first and packs A once on the caller, so on every call part of C and all of the packed A
// change cores; split that way this shape ran no faster than on one thread (20-22 µs). Here each thread packs the
// rows of A it reads into its own scratch and writes one contiguous half of C: by rows when A has two row groups or
// more (the halves then share at most the one line of C where they meet), else by columns (each packs all of A,
// which is small, and reads half of the weights). Each output element is the same FMA chain as on one thread.
using System.Runtime.CompilerServices;

namespace RnnService.Engine.Kernels;

public static unsafe partial class Sgemm
{
    /// <summary>From this many FLOPs (about 20 µs of one core, as the recurrent loops' <c>PartnerLoopFlops</c>) up to
    /// <see cref="ParallelFlops"/>, a product over packed weights runs in two halves on the caller and the step partner.</summary>
    internal const long HalvesFlops = 4_000_000;

    /// <summary>Tests only, per calling thread: true runs every product over packed weights that may go parallel in halves
    /// whatever its size (waiting for the team), false none.</summary>
    [ThreadStatic] internal static bool? ForcedHalves;

    [ThreadStatic] private static GemmHalves? t_halves;

    /// <summary>
    /// Runs the packed-weights job (PackedB, C and the shape set; A still unpacked at a) in two halves when its size calls
    /// for it and it can be cut; returns false, having done nothing, otherwise.
    /// </summary>
    private static bool TryRunHalves(ref GemmJob job, float* a, nint lda, bool allowParallel)
    {
        bool force = ForcedHalves == true;
        if (!allowParallel || !(ForcedHalves ?? SizedForHalves(job.M, job.N, job.K))) return false;
        int groups = (job.M + job.Mr - 1) / job.Mr;
        bool byRows = groups >= 2;
        if (!byRows && job.Panels < 2) return false;
        job.RowBlock = (byRows ? (groups + 1) / 2 : groups) * job.Mr;
        job.PanelBlock = byRows ? job.Panels : (job.Panels + 1) / 2;
        job.UnitsN = byRows ? 1 : 2;
        job.Units = 2;

        var halves = t_halves ??= new GemmHalves();
        halves.Job = job;
        halves.A = a;
        halves.Lda = lda;
        StepTeam.Shared.Run(halves, 2, usePartner: true, force);
        SgemmParallel.t_lastThreads = StepTeam.t_partnerItems > 0 ? 2 : 1;
        return true;
    }

    /// <summary>Whether a product over packed weights of this shape runs in halves (when the team is free).</summary>
    internal static bool SizedForHalves(int m, int n, int k)
    {
        long flops = 2L * m * n * k;
        return EngineThreads.Count >= 2 && flops >= HalvesFlops && flops < ParallelFlops;
    }

    private sealed class GemmHalves : IStepWork
    {
        public GemmJob Job;     // cut into two output units: rows [0, RowBlock) and the rest, or two panel blocks
        public float* A;        // the caller keeps A, the packed weights and C pinned while the team runs
        public nint Lda;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunItem(int item)
        {
            GemmJob job = Job;
            if (job.M == 1)
            {
                job.PackedA = A;    // one row is already in packed layout
                RunUnit(in job, item);
                return;
            }
            // Pack the rows this half reads, on this thread, into this thread's scratch.
            bool byRows = job.UnitsN == 1;
            int i0 = byRows ? item * job.RowBlock : 0, i1 = byRows ? Math.Min(job.M, i0 + job.RowBlock) : job.M;
            fixed (float* pa = Scratch(ref t_packA, (long)job.M * job.K))
            {
                SgemmPacking.PackA(false, A, Lda, job.M, job.K, job.Mr, pa, i0, i1);
                job.PackedA = pa;
                RunUnit(in job, item);
            }
        }
    }
}
