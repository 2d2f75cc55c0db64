using System.Runtime.Intrinsics;

namespace RnnService.Engine.Optimizers;

/// <summary>
/// Updates a flat parameter buffer from its gradient buffer. State (moments, momentum) is flat too,
/// so a checkpoint saves and restores it exactly.
/// </summary>
public abstract class Optimizer
{
    public float LearningRate { get; }
    /// <summary>Number of steps taken (Adam's bias correction uses it).</summary>
    public long Steps { get; protected set; }

    protected Optimizer(float learningRate)
    {
        if (!float.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Learning rate must be a positive finite number.");
        LearningRate = learningRate;
    }

    /// <summary>Whether the update runs 8 lanes at a time before its scalar tail; tests force either path on any machine
    /// (Vector256 runs in software where the CPU lacks it), since both must give the same bits.</summary>
    internal bool VectorPath { get; init; } = Vector256.IsHardwareAccelerated;

    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>The optimizer's state buffers, in a fixed order, for checkpoints.</summary>
    public abstract IReadOnlyList<float[]> StateBuffers { get; }

    public void RestoreState(long steps, IReadOnlyList<float[]> buffers)
    {
        var own = StateBuffers;
        if (buffers.Count != own.Count) throw new ArgumentException("Optimizer state does not match.", nameof(buffers));
        for (int i = 0; i < own.Count; i++)
        {
            if (buffers[i].Length != own[i].Length) throw new ArgumentException("Optimizer state size does not match.", nameof(buffers));
            buffers[i].CopyTo(own[i], 0);
        }
        Steps = steps;
    }
}
