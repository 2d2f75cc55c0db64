// C[M,N] = (accumulate ? C : 0) + op(A)[M,K] · op(B)[K,N]      (row-major, op(X) = X or Xᵀ)
// Goto-style blocking: op(B) packed into 32-column panels, op(A) into 8-row groups, then for each
// K chunk of Kc, each panel, each row group, one register-blocked FMA micro-kernel
// (8 × 32 tile with Vector512, 6 × 16 with Vector256).
// An operand is packed up front, once for all output blocks, unless only one block row (for B) or one block
// column (for A) reads it: then each output block packs its own part one K chunk at a time, right before the
// tiles read it, so the packed chunk is still in L2. That is the shape of the weight gradients (M, N small, K = T·B
// long: B would otherwise be packed to megabytes of scratch, written out to memory and read back) and of dX.
// Work is cut into independent output blocks (rows × panels) that a pool of threads claims dynamically;
// every output element is computed by the same FMA chain whoever computes it, so results are
// bit-identical for any thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Kernels;

/// <summary>Which micro-kernel family runs (tests force the slower ones to check they agree).</summary>
internal enum GemmIsa { Scalar, Vector256, Vector512 }

/// <summary>
/// One GEMM, cut into PackUnits packing blocks (general entry point only; they run first) and
/// Units = UnitsM · UnitsN output blocks over the packed operands.
/// </summary>
internal unsafe struct GemmJob
{
    public float* A, B;         // sources still to pack (when PackUnits > 0)
    public nint Lda, Ldb;
    public bool TransA, TransB;
    public int PackUnitsB, PackUnits, PackSplitsK;   // A packed up front in PackSplitsK ranges of K per row block
    public float* PackedA;     // row groups, see SgemmPacking
    public float* PackedB;     // panels, panel stride K·Nr
    public float* C;
    public nint Ldc;
    public int M, N, K, Panels, Mr;
    public bool Accumulate;
    public GemmIsa Isa;
    public int RowBlock, PanelBlock, UnitsN, Units;
    public bool PackAInUnit, PackBInUnit;   // packed by each output block, one K chunk at a time (see the file comment)
}

/// <summary>
/// Single-precision matrix multiply over row-major spans:
///   C[M,N] = (accumulate ? C : 0) + op(A)[M,K] · op(B)[K,N]
/// where op(X) is X or Xᵀ. Leading dimensions (lda, ldb, ldc) are row strides of the stored matrices.
/// </summary>
public static unsafe partial class Sgemm
{
    /// <summary>K chunk: a 32-column B micro-panel of Kc rows is 32 KB and stays in L1/L2 while every row group of the block passes over it.</summary>
    internal const int Kc = 256;
    /// <summary>Rows per output block (rounded down to a multiple of Mr): an A block of Mc × Kc floats (≤ 128 KB) stays in L2.</summary>
    internal const int Mc = 128;
    /// <summary>Panels per output block when single-threaded (256 columns).</summary>
    internal const int MaxPanelBlock = 8;
    /// <summary>
    /// Below this many FLOPs (≈ 0.3 ms of one core) a GEMM does not go to the thread pool, whose hand-off (and wait
    /// for a preempted worker when the second core is busy) a per-step product cannot amortise. A product over
    /// packed weights from <see cref="HalvesFlops"/> up is cut into two fixed halves on the step partner instead
    /// (Sgemm.Halves.cs); others stay on the calling thread. Only the all-steps GEMMs (input projection, weight
    /// gradients, dX) and big GEMMs go to the pool (<see cref="EngineThreads.Count"/> threads).
    /// </summary>
    internal const long ParallelFlops = 16_000_000;

    internal static int MrFor(GemmIsa isa) => isa == GemmIsa.Vector256 ? SgemmPacking.Mr256 : SgemmPacking.Mr;

    internal static readonly GemmIsa BestIsa =
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512 :
        Vector256.IsHardwareAccelerated ? GemmIsa.Vector256 : GemmIsa.Scalar;

    // Per-thread packing scratch, grown on demand and then reused: no allocation per call in steady state.
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;
    /// <summary>Tests only, per calling thread: true packs both operands up front, as before chunk packing existed.</summary>
    [ThreadStatic] internal static bool ForcedUpFrontPacking;

    // Per-thread chunk scratch of the output blocks that pack their own operands: one K chunk of a row block of A
    // and of a panel block of B (128 KB and 256 KB, pinned, allocated on the thread's first such block).
    [ThreadStatic] private static float[]? t_chunkA;
    [ThreadStatic] private static float[]? t_chunkB;

    /// <summary>Frees the calling thread's packing scratch (it grows to the largest product the thread has run and
    /// is otherwise kept for the thread's life): for a long-lived thread that has finished a big job.</summary>
    public static void ReleaseThreadScratch()
    {
        t_packA = null;
        t_packB = null;
        t_chunkA = null;
        t_chunkB = null;
    }

    /// <summary>General entry point: packs A and B for this call and runs the packed kernel.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
        => MultiplyCore(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, BestIsa, allowParallel: true);

    /// <summary>C[M,N] (+)= A[M,K] · B where B was packed once with <see cref="PackedMatrix.Pack"/>.</summary>
    public static void Multiply(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b,
        Span<float> c, int ldc, bool accumulate)
        => MultiplyCore(m, a, lda, b, c, ldc, accumulate, BestIsa, allowParallel: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyCore(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, GemmIsa isa, bool allowParallel, int forceThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        SgemmPacking.CheckOperand(c.Length, m, n, ldc, nameof(c));
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        SgemmPacking.CheckOperand(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
        SgemmPacking.CheckOperand(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));

        int panels = (n + SgemmPacking.Nr - 1) / SgemmPacking.Nr;
        var job = new GemmJob
        {
            Lda = lda, Ldb = ldb, TransA = transA, TransB = transB, Ldc = ldc,
            M = m, N = n, K = k, Panels = panels, Mr = MrFor(isa), Accumulate = accumulate, Isa = isa,
        };
        bool parallel = Plan(ref job, allowParallel, pack: true, forceThreads);
        float[] pa = job.PackAInUnit ? [] : Scratch(ref t_packA, (long)m * k);
        float[] pb = job.PackBInUnit ? [] : Scratch(ref t_packB, (long)panels * SgemmPacking.Nr * k);
        fixed (float* ap = a)
        fixed (float* bp = b)
        fixed (float* cp = c)
        fixed (float* pap = pa)
        fixed (float* pbp = pb)
        {
            job.A = ap; job.B = bp; job.C = cp;
            job.PackedA = pap; job.PackedB = pbp;
            Execute(in job, parallel, forceThreads);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyCore(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b,
        Span<float> c, int ldc, bool accumulate, GemmIsa isa, bool allowParallel, int forceThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        int n = b.N, k = b.K;
        SgemmPacking.CheckOperand(a.Length, m, k, lda, nameof(a));
        SgemmPacking.CheckOperand(c.Length, m, n, ldc, nameof(c));
        if (m == 0) return;

        // A is small here (a batch of hidden states), so packing it per call is cheap;
        // B (the weights) was packed once per pass. A single row (batch 1) is already in packed
        // layout (PA[p] = A[0, p]), so it is read in place.
        float[] pa = m == 1 ? [] : Scratch(ref t_packA, (long)m * k);
        fixed (float* ap = a)
        fixed (float* cp = c)
        fixed (float* pap = pa)
        fixed (float* pbp = b.Data)
        {
            int mr = MrFor(isa);
            var job = new GemmJob
            {
                PackedA = m == 1 ? ap : pap, PackedB = pbp, C = cp, Ldc = ldc,
                M = m, N = n, K = k, Panels = b.Panels, Mr = mr, Accumulate = accumulate, Isa = isa,
            };
            if (forceThreads == 0 && TryRunHalves(ref job, ap, lda, allowParallel)) return;
            if (m > 1) SgemmPacking.PackA(false, ap, lda, m, k, mr, pap, 0, m);
            Execute(in job, Plan(ref job, allowParallel, pack: false, forceThreads), forceThreads);
        }
    }

    private static float[] Scratch(ref float[]? buffer, long length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(length, 1024)));
        return buffer;
    }

    /// <summary>
    /// Cuts the job into packing and output blocks, decides which operands the output blocks pack themselves, and
    /// returns whether it runs on the pool. forceThreads &gt; 0 (tests only): use exactly that many threads whatever
    /// the size, waiting for the pool.
    /// </summary>
    private static bool Plan(ref GemmJob job, bool allowParallel, bool pack, int forceThreads)
    {
        int rowBlock = Mc / job.Mr * job.Mr;
        int unitsM = (job.M + rowBlock - 1) / rowBlock;
        long flops = 2L * job.M * job.N * job.K;
        int threads = forceThreads > 0 ? forceThreads : EngineThreads.Count;
        bool parallel = forceThreads > 1
            || (allowParallel && threads >= 2 && flops >= ParallelFlops && unitsM * job.Panels >= 2);
        int panelBlock = MaxPanelBlock;
        if (parallel)
        {
            // Aim for about 4 blocks per thread so the threads stay balanced even when one is preempted.
            panelBlock = Math.Clamp(job.Panels * unitsM / (4 * threads), 1, MaxPanelBlock);
        }
        job.RowBlock = rowBlock;
        job.PanelBlock = panelBlock;
        job.UnitsN = (job.Panels + panelBlock - 1) / panelBlock;
        job.Units = unitsM * job.UnitsN;
        if (pack)
        {
            // More than one K chunk, and a single block row (column) reading B (A): its blocks pack it themselves.
            // A single row keeps the up-front packing, which its matrix-vector kernel reads (RowPanels).
            bool chunked = job.K > Kc && job.M > 1 && !ForcedUpFrontPacking;
            job.PackBInUnit = chunked && unitsM == 1;
            job.PackAInUnit = chunked && job.UnitsN == 1;
            // Packing blocks: B in runs of PackPanels panels, then A in the same row blocks as the output; a transposed A
            // also in ranges of K, so that a weight gradient's Xᵀ or Hᵀ (one row block over all T·B rows: at W4, 0.1-0.2
            // ms of regrouping) is packed by both threads, not by one while the other waits for it.
            job.PackUnitsB = job.PackBInUnit ? 0 : (job.Panels + PackPanels - 1) / PackPanels;
            job.PackSplitsK = job.TransA ? Math.Max(1, job.K / PackAColumns) : 1;
            job.PackUnits = job.PackUnitsB + (job.PackAInUnit ? 0 : unitsM * job.PackSplitsK);
        }
        return parallel;
    }

    /// <summary>Runs the planned job's blocks on the pool (when planned and free) or on the calling thread.</summary>
    private static void Execute(in GemmJob job, bool parallel, int forceThreads)
    {
        if (parallel && SgemmParallel.TryRun(in job, forceThreads > 0 ? forceThreads : EngineThreads.Count, force: forceThreads > 1)) return;
        SgemmParallel.t_lastThreads = 1;
        for (int u = 0; u < job.PackUnits; u++) RunPackUnit(in job, u);
        for (int u = 0; u < job.Units; u++) RunUnit(in job, u);
    }

    /// <summary>Threads that ran blocks of this thread's last GEMM (1 when it ran alone).</summary>
    internal static int LastCallThreads => SgemmParallel.t_lastThreads;
}
