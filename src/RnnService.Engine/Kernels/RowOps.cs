// Element-wise row operations that the training loops run once per row and step (bias rows, gradient sums, a
// softmax's maximum), and the same adds and scales once per pass (the bias sum, the bidirectional sum, clipping), so
// one implementation serves both. TensorPrimitives computes the same, but its generic Vector512 code is compiled per process
// from tier 0, and a fresh process runs its first job with that code (a call per vector operation) until the
// background compiler catches up: seed 003's first job ran epochs 5-100 at 1.6-2.1 ms each against 0.9 once warm
// (docs/benchmarks.md, session 35). These are compiled fully optimised at their first call. Every result is exact (one
// add, multiply or compare per element), so the bits do not depend on the instruction set and are TensorPrimitives'.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnService.Engine.Kernels;

internal static class RowOps
{
    /// <summary>destination[i] = x[i] + y[i]; destination may be x or y itself, but not overlap either partly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException("The rows differ in length.", nameof(y));
        if (destination.Length < n) throw new ArgumentException("The destination is shorter than the rows.", nameof(destination));
        CheckNoPartialOverlap(x, destination);
        CheckNoPartialOverlap(y, destination);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                (Vector512.LoadUnsafe(ref xs, (nuint)i) + Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                (Vector256.LoadUnsafe(ref xs, (nuint)i) + Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ds, i) = Unsafe.Add(ref xs, i) + Unsafe.Add(ref ys, i);
    }

    /// <summary>destination[i] = x[i] · s; destination may be x itself, but not overlap it partly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> x, float s, Span<float> destination)
    {
        int n = x.Length;
        if (destination.Length < n) throw new ArgumentException("The destination is shorter than the row.", nameof(destination));
        CheckNoPartialOverlap(x, destination);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) (Vector512.LoadUnsafe(ref xs, (nuint)i) * s).StoreUnsafe(ref ds, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.LoadUnsafe(ref xs, (nuint)i) * s).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ds, i) = Unsafe.Add(ref xs, i) * s;
    }

    /// <summary>The largest element of a non-empty row (+0 above −0, as TensorPrimitives.Max); NaN if any element is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) throw new ArgumentException("The row is empty.", nameof(x));
        float max = x[0];
        if (float.IsNaN(max)) return max;
        for (int i = 1; i < x.Length; i++)
        {
            float v = x[i];
            if (float.IsNaN(v)) return v;
            if (v > max || (v == max && float.IsNegative(max))) max = v;
        }
        return max;
    }

    /// <summary>The vector loops read each element before they write it, but a shifted destination would be overwritten
    /// a vector ahead of its reads; TensorPrimitives refuses it too. (Compared by address here: MemoryExtensions.Overlaps
    /// is generic and would run at tier 0 in a fresh process, as TensorPrimitives did.)</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckNoPartialOverlap(ReadOnlySpan<float> source, ReadOnlySpan<float> destination)
    {
        if (source.IsEmpty || destination.IsEmpty) return;
        nint bytes = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination));
        if (bytes != 0 && bytes < (nint)source.Length * sizeof(float) && bytes > -(nint)destination.Length * sizeof(float))
            throw new ArgumentException("The destination overlaps a source at a different position.", nameof(destination));
    }
}
